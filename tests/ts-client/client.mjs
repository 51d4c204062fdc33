// Drives the ebpf-mcp bridge with the official TypeScript MCP client, as a real agent host would.
// Usage: node client.mjs stdio <bridge> <testModule>      |      node client.mjs http <url> <token>
// Prints one JSON summary on stdout. The SDK validates every structuredContent against the
// tool's outputSchema, so a mismatch fails the call here.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [mode, target, extra] = process.argv.slice(2);
const transport = mode === "stdio"
  ? new StdioClientTransport({ command: target, args: ["-t", "stdio", "--module", extra], stderr: "ignore" })
  : new StreamableHTTPClientTransport(new URL(target), { requestInit: { headers: { Authorization: `Bearer ${extra}` } } });

const client = new Client({ name: "ebpf-mcp-ts-test", version: "1.0.0" });
await client.connect(transport);

// A valid argument for a required parameter, from its schema alone.
function sample(schema) {
  switch (schema.type) {
    case "string": return schema.enum ? schema.enum[0] : "ts-client";
    case "integer": return Math.max(1, schema.minimum ?? 1);
    case "number": return 1;
    case "boolean": return false;
    case "array": return [sample(schema.items)];
    default: return null;
  }
}

const summary = { protocolVersion: client.getServerVersion() ? "negotiated" : "none", server: client.getServerVersion(), tools: [], calls: {}, progress: [], errors: {} };
const { tools } = await client.listTools();
for (const tool of tools) {
  summary.tools.push(tool.name);
  if (!tool.annotations?.readOnlyHint) continue;
  const args = {};
  for (const name of tool.inputSchema.required ?? []) args[name] = sample(tool.inputSchema.properties[name]);
  if (tool.name === "Measure-BpfTestWait") args.Seconds = 1;
  if (tool.name.startsWith("Trace-") || (tool.name.startsWith("Measure-") && tool.inputSchema.properties?.Duration)) args.Duration = 0.2;
  const progress = [];
  const result = await client.callTool({ name: tool.name, arguments: args }, undefined, { onprogress: p => progress.push(p.progress) });
  summary.calls[tool.name] = { isError: result.isError ?? false, error: result.structuredContent?.error?.message, count: result.structuredContent?.count, total: result.structuredContent?.total, text: result.content?.[0]?.text?.length ?? 0 };
  if (progress.length) summary.progress.push({ tool: tool.name, values: progress });
}

// Errors are tool results, not transport failures.
const bad = await client.callTool({ name: "Get-BpfMap", arguments: { Id: ["not-a-number"] } });
summary.errors.badArgument = bad.structuredContent?.error ?? null;
try {
  await client.callTool({ name: "No-SuchTool", arguments: {} });
  summary.errors.unknownTool = "no error";
} catch (e) {
  summary.errors.unknownTool = String(e.message ?? e);
}

// Prompts: every one listed can be fetched, and its plan names only tools this server lists.
const { prompts } = await client.listPrompts();
summary.prompts = [];
for (const prompt of prompts) {
  const args = (prompt.arguments ?? []).some(a => a.name === "process") ? { process: "sshd" } : {};
  const got = await client.getPrompt({ name: prompt.name, arguments: args });
  summary.prompts.push({ name: prompt.name, title: prompt.title, text: got.messages.map(m => m.content.text).join("\n") });
}

await client.close();
console.log(JSON.stringify(summary));
