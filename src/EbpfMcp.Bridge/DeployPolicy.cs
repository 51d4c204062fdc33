using System.Collections;
using System.Text.Json.Nodes;

namespace EbpfMcp.Bridge;

/// <summary>
/// What kernel-changing tools may be asked to do through the bridge: load only from allowed source
/// directories or URL prefixes (when any are configured), and pin only under /sys/fs/bpf/ebpf-mcp/.
/// Applied by argument name (Path, Uri, PinPath), so it needs no knowledge of particular cmdlets.
/// </summary>
public sealed class DeployPolicy(IReadOnlyList<string> allowedSources)
{
    public const string PinRoot = "/sys/fs/bpf/ebpf-mcp/";

    private readonly string[] directories = [.. allowedSources.Where(s => !s.Contains("://")).Select(d => Path.GetFullPath(d).TrimEnd('/') + "/")];
    private readonly string[] urlPrefixes = [.. allowedSources.Where(s => s.Contains("://"))];

    /// <summary>The refusal as a tool error, or null when the arguments are allowed.</summary>
    public JsonObject? Check(Hashtable arguments)
    {
        if (arguments["PinPath"] is string pin && !(Path.GetFullPath(pin).TrimEnd('/') + "/").StartsWith(PinRoot, StringComparison.Ordinal))
        {
            return Denied("PinPath", $"Pin paths are confined to {PinRoot} through the bridge; '{pin}' is outside it.");
        }
        if (arguments["Path"] is string path && directories.Length + urlPrefixes.Length > 0
            && !directories.Any(d => Path.GetFullPath(path).StartsWith(d, StringComparison.Ordinal)))
        {
            return Denied("Path", $"'{path}' is not under an allowed source directory ({string.Join(", ", directories.DefaultIfEmpty("none; only URL prefixes are allowed"))}).");
        }
        if (arguments["Uri"] is Uri uri && directories.Length + urlPrefixes.Length > 0
            && !urlPrefixes.Any(p => uri.ToString().StartsWith(p, StringComparison.Ordinal)))
        {
            return Denied("Uri", $"'{uri}' does not start with an allowed URL prefix ({string.Join(", ", urlPrefixes.DefaultIfEmpty("none; only directories are allowed"))}).");
        }
        return null;
    }

    private static JsonObject Denied(string argument, string message) => new()
    {
        ["errorId"] = "PolicyDenied",
        ["category"] = "PermissionDenied",
        ["message"] = message,
        ["target"] = argument,
    };
}
