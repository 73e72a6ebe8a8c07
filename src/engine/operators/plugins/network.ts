/**
 * Plugins that read from outside the query (web requests, SQL and Cosmos DB queries, other
 * clusters, storage, AI endpoints): refused, as everything runs on local files.
 */
import { facts } from '../../../diagnostics/facts.js';
import type { Batch } from '../../batch.js';
import type { Plugin, PluginCall } from './types.js';

const NAMES = [
  'http_request', 'http_request_post', 'sql_request', 'mysql_request', 'postgresql_request',
  'cosmosdb_sql_request', 'azure_digital_twins_query_request', 'dax_request', 'execute_query',
  'execute_show_command', 'infer_storage_schema', 'infer_storage_schema_with_suggestions',
  'ai_embed_text', 'ai_embeddings', 'ai_chat_completion', 'ai_chat_completion_prompt',
];

async function refuse(call: PluginCall): Promise<Batch> {
  throw facts.networkRefused(`evaluate ${call.tab.plugin}`, call.tab.span);
}

export const NETWORK_PLUGINS: Plugin[] = NAMES.map((name) => ({ name, run: refuse }));
