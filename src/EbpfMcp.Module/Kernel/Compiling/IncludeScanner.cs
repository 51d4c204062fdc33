using System.Text;
using System.Text.RegularExpressions;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Compiling;

/// <summary>
/// Finds the files a C source asks the preprocessor for (#include, #include_next, #import, #embed,
/// __has_include, __has_embed; '%:' is '#' too) and refuses, before any compiler runs, the ones that
/// could reach outside the confined include directories: absolute names, '..', names that are not
/// plain path components, and names computed from macros (which no scan could follow).
/// Comments and line continuations are removed first, as the preprocessor does.
/// </summary>
internal static partial class IncludeScanner
{
    /// <summary>One requested file: "quoted" ones may be the source's own headers; &lt;angled&gt; ones only the module's.</summary>
    public sealed record Include(string Name, bool Quoted);

    public static IReadOnlyList<Include> Scan(byte[] text, string file)
    {
        var includes = new List<Include>();
        var logical = StripComments(Encoding.Latin1.GetString(text).Replace("\\\r\n", "", StringComparison.Ordinal).Replace("\\\n", "", StringComparison.Ordinal));
        foreach (var line in logical.Split('\n'))
        {
            var directive = Directive().Match(line);
            if (directive.Success)
            {
                includes.Add(Argument(directive.Groups["argument"].Value, directive.Groups["name"].Value, file));
            }
            foreach (Match probe in Probe().Matches(line))
            {
                includes.Add(Argument(probe.Groups["argument"].Value, probe.Groups["name"].Value, file));
            }
        }
        return includes;
    }

    private static Include Argument(string argument, string directive, string file)
    {
        var m = Literal().Match(argument);
        if (!m.Success)
        {
            throw Refused(file, $"{directive} {argument.Trim()}", "names computed by macros are not followed; write the file name in quotes or angle brackets");
        }
        var name = m.Groups["quoted"].Success ? m.Groups["quoted"].Value : m.Groups["angled"].Value;
        if (!PlainRelativeName().IsMatch(name) || name.Split('/').Any(c => c is "." or ".."))
        {
            throw Refused(file, $"{directive} {m.Value.Trim()}", "only relative names of plain components (no absolute path, '.' or '..') are allowed");
        }
        return new Include(name, m.Groups["quoted"].Success);
    }

    private static BpfException Refused(string file, string what, string why) =>
        new("PolicyDenied", $"'{file}' asks for {what}: {why}. Sources compile with -nostdinc against the module's headers and their own headers only; nothing was compiled or loaded.");

    /// <summary>Comments become a space, as in translation phase 3; string and character literals are kept.</summary>
    private static string StripComments(string text)
    {
        var result = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c is '"' or '\'')
            {
                int end = i + 1;
                while (end < text.Length && text[end] != c && text[end] != '\n')
                {
                    end += text[end] == '\\' ? 2 : 1;
                }
                end = Math.Min(end, text.Length - 1);
                result.Append(text, i, end - i + 1);
                i = end;
            }
            else if (c == '/' && i + 1 < text.Length && text[i + 1] == '/')
            {
                while (i + 1 < text.Length && text[i + 1] != '\n')
                {
                    i++;
                }
                result.Append(' ');
            }
            else if (c == '/' && i + 1 < text.Length && text[i + 1] == '*')
            {
                int end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                end = end < 0 ? text.Length : end + 2;
                // Newlines inside the comment stay, so later directives keep their own lines.
                result.Append(' ').Append('\n', text.AsSpan(i, end - i).Count('\n'));
                i = end - 1;
            }
            else
            {
                result.Append(c);
            }
        }
        return result.ToString();
    }

    [GeneratedRegex(@"^\s*(?:#|%:)\s*(?<name>include_next|include|import|embed)\b(?<argument>.*)$")]
    private static partial Regex Directive();

    [GeneratedRegex(@"(?<name>__has_include_next|__has_include|__has_embed)\s*(?:\((?<argument>[^)]*)\)?)?")]
    private static partial Regex Probe();

    [GeneratedRegex(@"^\s*(?:""(?<quoted>[^""]*)""|<(?<angled>[^>]*)>)")]
    private static partial Regex Literal();

    [GeneratedRegex(@"^[A-Za-z0-9_+-][A-Za-z0-9_.+-]*(/[A-Za-z0-9_+-][A-Za-z0-9_.+-]*)*$")]
    private static partial Regex PlainRelativeName();
}
