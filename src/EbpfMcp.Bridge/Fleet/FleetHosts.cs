using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EbpfMcp.Bridge.Tools;

namespace EbpfMcp.Bridge.Fleet;

/// <summary>
/// The nodes an agent may reach through this bridge (--hosts): host names as the bridge user's ssh
/// configuration knows them (its Host entries give address, port, user and key). A tool call's
/// ComputerName must name nodes of this list, so an agent can never make the bridge SSH anywhere else.
/// </summary>
public sealed partial class FleetHosts
{
    /// <summary>The argument read-only tools take when a fleet is configured.</summary>
    public const string ComputerNameArgument = "ComputerName";

    private readonly HashSet<string> names;

    public FleetHosts(IEnumerable<string> nodes)
    {
        Nodes = [.. nodes.Distinct(StringComparer.OrdinalIgnoreCase)];
        names = new HashSet<string>(Nodes, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The nodes, in the order the file names them.</summary>
    public IReadOnlyList<string> Nodes { get; }

    /// <summary>
    /// A plain host name: letters, digits, '.', '-' and '_', starting and ending with a letter or
    /// digit. No user@, port or option (a leading '-' would be an ssh option): those belong in the
    /// ssh configuration, which the bridge's user controls, not an agent.
    /// </summary>
    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$")]
    private static partial Regex HostName();

    /// <summary>
    /// The hosts file: one node a line; blank lines and everything after '#' ignored.
    /// </summary>
    /// <exception cref="FormatException">A line is not a plain host name (the message names the line), or no node is named.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static FleetHosts Load(string path)
    {
        var nodes = new List<string>();
        int number = 0;
        foreach (var raw in File.ReadLines(path))
        {
            number++;
            var line = (raw.IndexOf('#') is var hash and >= 0 ? raw[..hash] : raw).Trim();
            if (line.Length == 0)
            {
                continue;
            }
            if (!HostName().IsMatch(line))
            {
                throw new FormatException($"{path}:{number}: '{line}' is not a plain host name (letters, digits, '.', '-', '_'; users, ports and keys go in the ssh configuration).");
            }
            nodes.Add(line);
        }
        return nodes.Count > 0 ? new FleetHosts(nodes) : throw new FormatException($"{path} names no host.");
    }

    /// <summary>Tools that may run on other nodes: read-only ones (Get-, Trace-, Measure-, ...); what changes a kernel stays local.</summary>
    public static bool Serves(bool readOnly, bool changesKernel) => readOnly && !changesKernel;

    /// <summary>What ComputerName means, said once in the server's instructions, with the nodes it takes.</summary>
    public string Description =>
        $"run the tool on these nodes instead of this one, over SSH (PowerShell remoting): {string.Join(", ", Nodes)}. Read-only tools only, in the foreground. " +
        $"Every item then has a {FleetInvoker.NodeField} field; a node that fails is reported in errors (each with its {FleetInvoker.NodeField}), and the call fails only when no node answered.";

    /// <summary>A tool's listing entry with the ComputerName argument, when the tool may run on other nodes.</summary>
    public static ToolListing.Entry Offer(ToolListing.Entry entry)
    {
        if (!Serves(entry.ReadOnly, entry.ChangesKernel))
        {
            return entry;
        }
        var schema = entry.InputSchema.DeepClone().AsObject();
        schema["properties"]![ComputerNameArgument] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } };
        return new ToolListing.Entry(entry.Name, entry.Description, schema, entry.OutputSchema, entry.Annotations, entry.ChangesKernel, entry.Unavailable);
    }

    /// <summary>
    /// Takes ComputerName out of a call's arguments: the nodes it names (each in the list, given
    /// once, in the order given), or null when absent (the call runs on this node).
    /// </summary>
    /// <exception cref="ToolArgumentException">ComputerName is not a string or an array of strings, or is empty.</exception>
    /// <exception cref="FleetNodeDeniedException">A name is not in the list.</exception>
    public IReadOnlyList<string>? Take(ref IReadOnlyDictionary<string, JsonElement>? arguments)
    {
        var key = arguments?.Keys.FirstOrDefault(k => string.Equals(k, ComputerNameArgument, StringComparison.OrdinalIgnoreCase));
        if (key is null)
        {
            return null;
        }
        var value = arguments![key];
        arguments = arguments.Where(a => a.Key != key).ToDictionary();
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        var given = value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().ToList() : [value];
        if (given.Count == 0 || given.Any(v => v.ValueKind != JsonValueKind.String))
        {
            throw new ToolArgumentException(ComputerNameArgument, $"Argument '{ComputerNameArgument}' must be one or more node names (strings) from: {string.Join(", ", Nodes)}.");
        }
        var nodes = new List<string>();
        foreach (var name in given.Select(v => v.GetString()!))
        {
            if (!names.TryGetValue(name, out var node))
            {
                throw new FleetNodeDeniedException($"'{(name.Length <= 60 ? name : name[..57] + "...")}' is not a node this bridge may reach. ComputerName takes: {string.Join(", ", Nodes)} (--hosts).");
            }
            if (!nodes.Contains(node))
            {
                nodes.Add(node);
            }
        }
        return nodes;
    }
}

/// <summary>A ComputerName that the --hosts list does not allow.</summary>
public sealed class FleetNodeDeniedException(string message) : Exception(message);
