// A background trace through the official TypeScript MCP client, as an agent would use one: start
// it (AsJob) on one connection, hang up, make the events, then receive, group and stop it from a
// second connection by its TraceId. Usage: node background.mjs <url> <token> <missing-directory>
// Prints one JSON summary on stdout; the SDK validates every structuredContent against its schema.
import { openSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [url, token, missing] = process.argv.slice(2);
async function connect() {
  const client = new Client({ name: "ebpf-mcp-ts-background", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  return client;
}
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
const summary = {};

const first = await connect();
const started = await first.callTool({ name: "Trace-BpfFileOpen", arguments: { AsJob: true, FailedOnly: true, PathLike: `${missing}/*`, Duration: 120 } });
summary.started = started.structuredContent;
const traceId = started.structuredContent.items[0].TraceId;
await first.close(); // the session ends; the trace goes on

await sleep(500);
for (const [name, times] of [["a", 5], ["b", 2]]) {
  for (let i = 0; i < times; i++) {
    try { openSync(`${missing}/${name}`); } catch { /* ENOENT: the point */ }
  }
}
await sleep(500);

const second = await connect();
summary.listed = (await second.callTool({ name: "Get-BpfTrace", arguments: { TraceId: [traceId] } })).structuredContent;
summary.grouped = (await second.callTool({ name: "Receive-BpfTrace", arguments: { TraceId: traceId, GroupBy: ["Path"] } })).structuredContent;
summary.stopped = (await second.callTool({ name: "Stop-BpfTrace", arguments: { TraceId: traceId } })).structuredContent;
const unknown = await second.callTool({ name: "Receive-BpfTrace", arguments: { TraceId: "AAAAAAAAAAAAAAAAAAAAAA" } });
summary.unknown = { isError: unknown.isError ?? false, error: unknown.structuredContent?.error };
const tooLong = await second.callTool({ name: "Trace-BpfExec", arguments: { Duration: 600 } });
summary.tooLong = { isError: tooLong.isError ?? false, error: tooLong.structuredContent?.error };
await second.close();
console.log(JSON.stringify(summary));
