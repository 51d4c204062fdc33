// MCP resources through the official TypeScript MCP client over Streamable HTTP: list, templates,
// read (JSON with its mimeType), a not-found error, and a subscription to ebpf://hooks that must
// notify when the client loads a program (Install-BpfProgram, bridge started with --allow-deploy)
// and again when it removes it. Usage: node resources.mjs <url> <token> <object.bpf.o>
// Prints one JSON summary on stdout for the xUnit test to check.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";

const [url, token, object] = process.argv.slice(2);
const client = new Client({ name: "ebpf-mcp-ts-resources", version: "1.0.0" });
await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
const summary = { capabilities: client.getServerCapabilities().resources ?? null };

summary.resources = (await client.listResources()).resources.map(r => ({ uri: r.uri, mimeType: r.mimeType }));
summary.templates = (await client.listResourceTemplates()).resourceTemplates.map(t => t.uriTemplate);
async function read(uri) {
  const content = (await client.readResource({ uri })).contents[0];
  return { uri: content.uri, mimeType: content.mimeType, data: JSON.parse(content.text) };
}
summary.kernel = await read("ebpf://kernel");
try {
  await read("ebpf://maps/4000000000");
  summary.notFound = null;
} catch (e) {
  summary.notFound = { code: e.code, message: e.message };
}

// Every notification wakes whoever waits for the next one.
const updates = [];
let wake = () => {};
client.setNotificationHandler(ResourceUpdatedNotificationSchema, n => {
  updates.push({ uri: n.params.uri, at: Date.now() });
  wake();
});
const next = ms => new Promise(resolve => {
  const timer = setTimeout(() => resolve(false), ms);
  wake = () => { clearTimeout(timer); resolve(true); };
});
const hookIds = async () => (await read("ebpf://hooks")).data.items.map(h => h.Id);
// Other programs may come and go on this host: wait until a notification shows what we did.
async function notifiedUntil(done) {
  const start = Date.now();
  while (Date.now() - start < 10000) {
    if (await next(10000 - (Date.now() - start)) && done(await hookIds())) {
      return { notified: true, afterMs: Date.now() - start };
    }
  }
  return { notified: false, afterMs: Date.now() - start };
}

await client.subscribeResource({ uri: "ebpf://hooks" });
const installed = (await client.callTool({ name: "Install-BpfProgram", arguments: { Path: object } })).structuredContent.items[0];
const programId = installed.Programs[0].Id;
summary.loaded = await notifiedUntil(ids => ids.includes(programId));
// Its map, through the template: not attached, so nothing has counted yet.
const map = installed.Maps.find(m => m.Name === "getpgid_calls");
summary.map = await read(`ebpf://maps/${map.Id}`);
await client.callTool({ name: "Uninstall-BpfProgram", arguments: { Id: [installed.Id] } });
summary.removed = await notifiedUntil(ids => !ids.includes(programId));
await client.unsubscribeResource({ uri: "ebpf://hooks" });
summary.updates = updates;
await client.close();
console.log(JSON.stringify(summary));
