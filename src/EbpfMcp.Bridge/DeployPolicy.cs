using System.Collections;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EbpfMcp.Bridge.Ownership;
using EbpfMcp.Bridge.Tools;

namespace EbpfMcp.Bridge;

/// <summary>
/// What kernel-changing tools may do through the bridge. The module resolves and checks sources
/// itself (the one place that opens them): the bridge hands it its limits as the parameters a pwsh
/// user would give (-AllowedSource, -MaxObjectBytes, -MaxPrograms/-MaxMaps/-MaxMemlockBytes from
/// the session's remaining quota), and confines -PinPath to plain paths under the pin root.
/// Everything goes by parameter name, so no particular cmdlet is named here.
/// </summary>
public sealed partial class DeployPolicy(BridgeOptions options)
{
    /// <summary>Parameters of kernel-changing tools that the bridge binds itself; clients never see them.</summary>
    public static readonly IReadOnlySet<string> BoundParameters = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "AllowedSource", "MaxObjectBytes", "MaxPrograms", "MaxMaps", "MaxMemlockBytes", "NoCompile",
    };

    /// <summary>The refusal as a tool error, or null when the client's arguments are allowed.</summary>
    public JsonObject? Check(Hashtable arguments)
    {
        if (arguments["PinPath"] is string pin && !(IsPlainAbsolutePath(pin) && (pin.TrimEnd('/') == options.PinRoot || pin.StartsWith(options.PinRoot + "/", StringComparison.Ordinal))))
        {
            return ToolErrors.PolicyDenied("PinPath", $"Pin paths are confined to {options.PinRoot}/ through the bridge, written as plain names (no '.', '..', '\\' or '~'); '{pin}' is not.");
        }
        return null;
    }

    /// <summary>Adds the bridge's limits for the parameters this tool has.</summary>
    public void Bind(ToolDefinition tool, Hashtable arguments, Func<SessionInstallations.Usage> usage)
    {
        bool Has(string name) => tool.BoundParameters.Contains(name);
        if (Has("AllowedSource") && options.AllowSources.Count > 0)
        {
            arguments["AllowedSource"] = options.AllowSources.ToArray();
        }
        if (Has("NoCompile"))
        {
            arguments["NoCompile"] = !options.AllowCompile;
        }
        if (Has("MaxObjectBytes"))
        {
            arguments["MaxObjectBytes"] = options.MaxObjectBytes;
        }
        if (Has("MaxPrograms") || Has("MaxMaps") || Has("MaxMemlockBytes"))
        {
            var used = usage();
            if (Has("MaxPrograms"))
            {
                arguments["MaxPrograms"] = Math.Max(0, options.QuotaPrograms - used.Programs);
            }
            if (Has("MaxMaps"))
            {
                arguments["MaxMaps"] = Math.Max(0, options.QuotaMaps - used.Maps);
            }
            if (Has("MaxMemlockBytes"))
            {
                arguments["MaxMemlockBytes"] = Math.Max(0, options.QuotaMemlockBytes - used.MemlockBytes);
            }
        }
    }

    /// <summary>An absolute path whose components are plain names, read the same by .NET, PowerShell and the kernel.</summary>
    public static bool IsPlainAbsolutePath(string? path) => path is not null && PlainAbsolutePath().IsMatch(path);

    [GeneratedRegex(@"^(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)+/?$")]
    private static partial Regex PlainAbsolutePath();
}
