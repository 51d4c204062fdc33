using System.Globalization;
using System.Security;
using System.Text;
using EbpfMcp.Kernel.Symbols;

namespace EbpfMcp.Kernel.Profiling.Output;

/// <summary>
/// A self-contained interactive flame graph (one SVG file, no external scripts or fonts), laid out
/// the way flamegraph.pl users know: the process at the bottom, callees above their callers,
/// siblings merged and sorted by name, width = share. Hovering shows the frame, its samples (or
/// blocked time) and share; clicking zooms into a frame; Reset Zoom, Search (regular expression,
/// matches in magenta with their total share) and Ctrl+F work as in flamegraph.pl. Colours say
/// where the code is: red for user code, orange for the kernel, green for JIT code; blues for
/// off-CPU graphs.
/// </summary>
internal static class FlameGraphSvg
{
    private const double Width = 1200, Pad = 10, FrameHeight = 16, FontSize = 12, FontWidth = 0.59, MinWidth = 0.1;
    private const double Top = FrameHeight * 3, Bottom = FrameHeight * 2;

    private sealed class Node(string name, FrameKind? kind)
    {
        public string Name { get; } = name;
        public FrameKind? Kind { get; } = kind; // null: a process (the bottom row)
        public ulong Value { get; set; }
        public SortedDictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);
    }

    public static void Write(StackProfile profile, TextWriter writer, string? title = null)
    {
        bool onCpu = profile.Kind == ProfileKind.OnCpu;
        var root = new Node("all", null);
        foreach (var stack in profile.Stacks)
        {
            ulong value = FoldedStacks.Value(profile, stack);
            if (value == 0)
            {
                continue;
            }
            root.Value += value;
            var node = Child(root, stack.ProcessName, null);
            node.Value += value;
            foreach (var frame in stack.Frames)
            {
                node = Child(node, frame.Name, frame.Kind);
                node.Value += value;
            }
        }
        int depth = Depth(root);
        double height = Top + Bottom + (depth + 1) * FrameHeight;
        double scale = root.Value == 0 ? 0 : (Width - 2 * Pad) / root.Value;
        title ??= onCpu ? "CPU Flame Graph" : "Off-CPU Time Flame Graph";
        var unit = FoldedStacks.Unit(profile);
        var subtitle = $"{profile.Hook}, {profile.Elapsed.TotalSeconds:F1} s from {profile.StartedAt:yyyy-MM-dd HH:mm:ss zzz}"
            + (onCpu ? $", {profile.Frequency} Hz per CPU, {profile.TotalCount} samples" : $", {profile.TotalBlockedTime.TotalMilliseconds:F1} ms blocked in {profile.TotalCount} blocks");

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $$"""
            <?xml version="1.0" standalone="no"?>
            <!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
            <svg version="1.1" width="{{Width}}" height="{{height}}" viewBox="0 0 {{Width}} {{height}}" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" data-unit="{{unit}}" data-total="{{root.Value}}">
            <style type="text/css">
            text { font-family: Verdana, sans-serif; font-size: {{FontSize}}px; fill: rgb(0,0,0); }
            #title { text-anchor: middle; font-size: 17px; }
            #subtitle { text-anchor: middle; fill: rgb(100,100,100); }
            #search, #reset { cursor: pointer; opacity: 0.1; }
            #search:hover, #reset:hover, .show { opacity: 1; }
            #frames > g { cursor: pointer; }
            #frames > g:hover > rect { stroke: black; stroke-width: 0.5; }
            .hide { display: none; }
            .parent { opacity: 0.5; }
            </style>
            <rect x="0" y="0" width="100%" height="100%" fill="rgb(248,248,248)"/>
            <text id="title" x="{{Width / 2}}" y="{{FrameHeight * 1.5}}">{{Escape(title)}}</text>
            <text id="subtitle" x="{{Width / 2}}" y="{{FrameHeight * 2.5}}">{{Escape(subtitle)}}</text>
            <text id="reset" x="{{Pad}}" y="{{FrameHeight * 1.5}}" class="hide">Reset Zoom</text>
            <text id="search" x="{{Width - Pad - 100}}" y="{{FrameHeight * 1.5}}">Search</text>
            <text id="matched" x="{{Width - Pad - 100}}" y="{{height - FrameHeight / 2}}"></text>
            <text id="details" x="{{Pad}}" y="{{height - FrameHeight / 2}}"> </text>
            <g id="frames">

            """);
        Frame(svg, root, 0, Pad, height - Bottom - FrameHeight, scale, root.Value, unit, onCpu);
        svg.Append("</g>\n<script type=\"text/ecmascript\"><![CDATA[\n").Append(FlameGraphScript.Source).Append("\n]]></script>\n</svg>\n");
        writer.Write(svg.ToString());
    }

    private static Node Child(Node parent, string name, FrameKind? kind)
    {
        var key = kind is null ? name : name + "\0" + (int)kind;
        if (!parent.Children.TryGetValue(key, out var child))
        {
            child = new Node(name, kind);
            parent.Children[key] = child;
        }
        return child;
    }

    private static int Depth(Node node) => node.Children.Count == 0 ? 0 : 1 + node.Children.Values.Max(Depth);

    private static void Frame(StringBuilder svg, Node node, int depth, double x, double y, double scale, ulong total, string unit, bool onCpu)
    {
        double width = node.Value * scale;
        if (width < MinWidth)
        {
            return;
        }
        var share = total == 0 ? 0 : node.Value * 100.0 / total;
        var info = $"{node.Name} ({node.Value.ToString("N0", CultureInfo.InvariantCulture)} {unit}, {share.ToString("F2", CultureInfo.InvariantCulture)}%)";
        var (r, g, b) = Color(node, onCpu);
        svg.Append(CultureInfo.InvariantCulture,
            $"<g><title>{Escape(info)}</title><rect x=\"{x:F1}\" y=\"{y:F1}\" width=\"{width:F1}\" height=\"{FrameHeight - 1}\" fill=\"rgb({r},{g},{b})\" rx=\"2\" ry=\"2\" data-name=\"{Escape(node.Name)}\" data-value=\"{node.Value}\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 3:F1}\" y=\"{y + FrameHeight - 4.5:F1}\">{Escape(Fit(node.Name, width))}</text></g>\n");
        double childX = x;
        foreach (var child in node.Children.Values)
        {
            Frame(svg, child, depth + 1, childX, y - FrameHeight, scale, total, unit, onCpu);
            childX += child.Value * scale;
        }
    }

    /// <summary>The name cut to what fits in the frame ("..." ends a cut name), or nothing below three characters.</summary>
    private static string Fit(string name, double width)
    {
        int chars = (int)((width - 6) / (FontSize * FontWidth));
        return chars < 3 ? "" : name.Length <= chars ? name : name[..(chars - 2)] + "..";
    }

    /// <summary>A stable colour per name (the same function has the same colour in every graph), by kind.</summary>
    private static (int R, int G, int B) Color(Node node, bool onCpu)
    {
        uint hash = 2166136261;
        foreach (char c in node.Name)
        {
            hash = (hash ^ c) * 16777619;
        }
        double v1 = (hash & 0xff) / 255.0, v2 = ((hash >> 8) & 0xff) / 255.0;
        if (node.Kind is null || node.Name.StartsWith('['))
        {
            return (160 + (int)(40 * v1), 160 + (int)(40 * v1), 160 + (int)(40 * v1)); // processes, unknown and missed frames: grey
        }
        if (!onCpu)
        {
            return node.Kind == FrameKind.Kernel ? (80 + (int)(40 * v1), 140 + (int)(40 * v2), 220) : (40 + (int)(60 * v1), 90 + (int)(60 * v2), 200 + (int)(55 * v1));
        }
        // flamegraph.pl's "java" palette: red for user code, orange for the kernel, green for JIT code.
        return node.Kind switch
        {
            FrameKind.Kernel => (200 + (int)(55 * v1), 110 + (int)(55 * v1), 0),
            FrameKind.Jit => (50 + (int)(60 * v1), 200 + (int)(55 * v2), 50 + (int)(60 * v1)),
            _ => (200 + (int)(55 * v1), 50 + (int)(80 * v2), 50 + (int)(80 * v2)),
        };
    }

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";
}
