using System.Collections.ObjectModel;

namespace EbpfMcp.Model;

/// <summary>
/// A process's argv: a list of strings to scripts and JSON, and one line of text where PowerShell
/// turns a value into text (Export-Csv, string expansion): arguments with blanks or quotes are
/// single-quoted the way a POSIX shell would take them back.
/// </summary>
public sealed class BpfArgumentList : ReadOnlyCollection<string>
{
    public BpfArgumentList(IList<string> arguments)
        : base(arguments)
    {
    }

    public override string ToString() => string.Join(" ", this.Select(Quote));

    private static string Quote(string argument) =>
        argument.Length > 0 && !argument.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '\\' or '$' or '`' or ';' or '&' or '|' or '<' or '>' or '(' or ')' or '*' or '?')
            ? argument
            : "'" + argument.Replace("'", "'\\''") + "'";
}
