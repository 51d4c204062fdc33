using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace EbpfMcp.Bridge.Resources;

/// <summary>
/// One resource (or resource template) as the SDK's <see cref="McpServerResource"/>: a URI that
/// stands for a read-only command call. Reading it runs that call as a tool call would (same
/// invoker, same output caps, same audit line), so a resource never shows more than its tool.
/// </summary>
public sealed class CommandResource : McpServerResource
{
    public const string MimeType = "application/json";

    private readonly ResourceTemplate template;
    private readonly string prefix;
    private readonly Func<string, ResourceCall> call;
    private readonly ResourceReader reader;

    /// <param name="uriTemplate">A fixed URI, or one ending in a single {name} segment.</param>
    /// <param name="call">The command call for a URI this resource matches (the segment's value for a template).</param>
    public CommandResource(string uriTemplate, string name, string description, Func<string, ResourceCall> call, ResourceReader reader)
    {
        template = new ResourceTemplate { UriTemplate = uriTemplate, Name = name, Description = description, MimeType = MimeType };
        var brace = uriTemplate.IndexOf('{');
        prefix = brace < 0 ? uriTemplate : uriTemplate[..brace];
        this.call = call;
        this.reader = reader;
    }

    public override ResourceTemplate ProtocolResourceTemplate => template;

    public override IReadOnlyList<object> Metadata => [];

    public override bool IsMatch(string uri) => IsTemplated
        ? uri.StartsWith(prefix, StringComparison.Ordinal) && uri.Length > prefix.Length && uri.IndexOf('/', prefix.Length) < 0
        : uri == prefix;

    /// <summary>The command call behind <paramref name="uri"/> (which this resource matches).</summary>
    public ResourceCall CallFor(string uri) => call(IsTemplated ? Uri.UnescapeDataString(uri[prefix.Length..]) : "");

    public override async ValueTask<ReadResourceResult> ReadAsync(RequestContext<ReadResourceRequestParams> request, CancellationToken cancellationToken)
    {
        var uri = request.Params!.Uri;
        var content = await reader.ReadAsync(CallFor(uri), request.Server, cancellationToken).ConfigureAwait(false);
        return new ReadResourceResult
        {
            Contents = [new TextResourceContents { Uri = uri, MimeType = MimeType, Text = JsonSerializer.Serialize(content, Tools.JsonOutput.TextOptions) }],
        };
    }
}
