using System.Text.Json;
using System.Text.Json.Nodes;
using EbpfMcp.Bridge.Tools;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace EbpfMcp.Bridge;

/// <summary>
/// MCP prompts for the common investigations, each a short plan naming the tools to call. Plans
/// are written against the catalog as it is: a step names the first of its candidate tools that
/// this server has and can run on this kernel; a step none of whose tools is there is left out,
/// and a prompt left without a first step is not offered. So new tools (a CPU profiler, latency
/// histograms) improve the plans the moment they exist, and no prompt names a missing tool.
/// </summary>
public static class InvestigationPrompts
{
    /// <summary>One step: the tools that can take it, best first, typical arguments, and what it tells.</summary>
    private sealed record Step(string[] Tools, string Arguments, string Tells, bool Required = false);

    private sealed record Plan(string Name, string Title, string Description, string Goal, string Conclusion, Step[] Steps);

    private static readonly Plan[] Plans =
    [
        new("why-requests-fail", "Why do requests fail?",
            "Find why requests or commands fail on this host: failing system calls and their errno, missing files and refused permissions, refused or reset connections.",
            "Find out why requests fail on this host",
            "Then name the most likely cause from the errno names and events (ENOENT: a missing file; EACCES/EPERM: permissions; ECONNREFUSED: nothing listening; ETIMEDOUT/EAGAIN: something too slow or full), and say what to check next.",
            [
                new(["Trace-BpfSyscallError"], """{"Duration":10}""", "which system calls fail, with which errno, in which processes", Required: true),
                new(["Trace-BpfFileOpen"], """{"FailedOnly":true,"Duration":10}""", "which files could not be opened, and why"),
                new(["Trace-BpfTcpRetransmit", "Trace-BpfTcpState"], """{"Duration":10}""", "connections that are refused, reset or retried"),
                new(["Trace-BpfProcessExit"], """{"Duration":10}""", "processes that crash or are killed (exit codes, signals, OOM)"),
            ]),
        new("what-uses-cpu", "What is using the CPU?",
            "Find what is using the CPU on this host: the hottest code paths per process, whether tasks wait for a CPU, and processes that are started over and over.",
            "Find out what is using the CPU on this host",
            "Then say which processes and code paths use the most CPU, whether the CPUs are saturated, and what could be done about it.",
            [
                new(["Measure-BpfCpuProfile", "Trace-BpfExec"], """{"Duration":10}""", "where CPU time goes (or, without a profiler, which processes are started over and over: short-lived processes are a common hidden CPU cost)", Required: true),
                new(["Measure-BpfRunQueueLatency"], """{"Duration":10}""", "whether tasks wait for a CPU (run queue latency): saturation"),
                new(["Trace-BpfExec"], """{"Duration":10}""", "processes started during the window (short-lived ones do not show up in ps)"),
            ]),
        new("why-slow", "Why is it slow?",
            "Find why work is slow on this host: waiting for a CPU, blocking off-CPU, slow disks, slow system calls, slow or retried connections.",
            "Find out why work is slow on this host",
            "Then say where the time goes (CPU wait, blocking, disk, system calls or network), with the figures that show it, and what to look at next.",
            [
                new(["Measure-BpfRunQueueLatency"], """{"Duration":10}""", "time spent waiting for a CPU"),
                new(["Measure-BpfOffCpuTime"], """{"Duration":10}""", "where threads block, and for how long"),
                new(["Measure-BpfBlockIoLatency"], """{"Duration":10}""", "how long disk I/O takes"),
                new(["Measure-BpfSyscallLatency"], """{"Duration":10}""", "which system calls take long"),
                new(["Trace-BpfTcpRetransmit", "Trace-BpfTcpState"], """{"Duration":10}""", "slow connects and retransmits (time spent in SYN_SENT, retransmissions)"),
                new(["Trace-BpfSyscallError"], """{"Duration":10}""", "timeouts and retries (ETIMEDOUT, EAGAIN, EINTR)", Required: true),
            ]),
        new("what-is-loaded", "What BPF programs are running?",
            "List the BPF programs loaded on this host, what each is attached to, its maps, and which were installed through this server.",
            "Find out which BPF programs run on this host and what they do",
            "Then summarise the programs by attach point and owner, and point out anything unexpected.",
            [
                new(["Get-BpfHook"], "{}", "every loaded program with its attach points, run statistics and who installed it", Required: true),
                new(["Get-BpfMap"], "{}", "the maps and the programs using them"),
                new(["Get-BpfInstallation"], "{}", "what this server installed, and for which session"),
            ]),
    ];

    private const string ProcessArgument = "process";

    /// <summary>The prompts this catalog can carry out.</summary>
    public static IReadOnlyList<McpServerPrompt> For(ToolListing catalog)
    {
        var prompts = new List<McpServerPrompt>();
        foreach (var plan in Plans)
        {
            var steps = new List<(ToolListing.Entry Tool, Step Step)>();
            bool complete = true;
            foreach (var step in plan.Steps)
            {
                // Only tools that run here and only read: the plan promises the agent it changes nothing.
                var tool = step.Tools.Select(catalog.Find).FirstOrDefault(t => t is not null && t.Unavailable is null && t.ReadOnly);
                if (tool is not null && !steps.Any(s => s.Tool == tool))
                {
                    steps.Add((tool, step));
                }
                complete &= tool is not null || !step.Required;
            }
            if (complete && steps.Count > 0)
            {
                prompts.Add(new PlanPrompt(plan, steps));
            }
        }
        return prompts;
    }

    private sealed class PlanPrompt(Plan plan, List<(ToolListing.Entry Tool, Step Step)> steps) : McpServerPrompt
    {
        private readonly bool focuses = steps.Any(s => TakesProcessName(s.Tool));

        public override Prompt ProtocolPrompt => new()
        {
            Name = plan.Name,
            Title = plan.Title,
            Description = plan.Description,
            Arguments = focuses
                ? [new PromptArgument { Name = ProcessArgument, Description = "Only this process (its name, as in ps), when the question is about one program.", Required = false }]
                : null,
        };

        public override IReadOnlyList<object> Metadata => [];

        public override ValueTask<GetPromptResult> GetAsync(RequestContext<GetPromptRequestParams> request, CancellationToken cancellationToken = default)
        {
            string? process = request.Params?.Arguments?.TryGetValue(ProcessArgument, out var value) == true && value.ValueKind == JsonValueKind.String
                ? value.GetString() : null;
            var text = $"{plan.Goal}{(process is { Length: > 0 } ? $", for the process '{process}'" : "")}. Call these tools in order (all only read; none changes the system):\n";
            int n = 0;
            foreach (var (tool, step) in steps)
            {
                var arguments = new JsonObject(JsonNode.Parse(step.Arguments)!.AsObject()
                    .Where(a => tool.TakesArgument(a.Key)) // a parameter the tool has lost is not suggested
                    .Select(a => KeyValuePair.Create(a.Key, a.Value?.DeepClone())));
                if (process is { Length: > 0 } && TakesProcessName(tool))
                {
                    arguments["ProcessName"] = process;
                }
                text += $"{++n}. {tool.Name} with {arguments.ToJsonString(JsonOutput.TextOptions)}: {step.Tells}.\n";
            }
            text += plan.Conclusion;
            return ValueTask.FromResult(new GetPromptResult
            {
                Description = plan.Description,
                Messages = [new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = text } }],
            });
        }

        private static bool TakesProcessName(ToolListing.Entry tool) => tool.TakesArgument("ProcessName");
    }
}
