using System.Globalization;
using System.IO.Compression;
using System.Xml.Linq;
using EbpfMcp.Kernel.Profiling;
using EbpfMcp.Kernel.Profiling.Output;
using EbpfMcp.Kernel.Symbols;
using EbpfMcp.Native;
using EbpfMcp.Tests.Infrastructure;
using Google.Protobuf;

namespace EbpfMcp.Tests;

/// <summary>
/// The profile files people open in other tools: the SVG must be XML with the frames and the
/// script, folded lines must parse back to the profile's totals, and the pprof file must decode
/// (with the small decoder below, written from profile.proto's field numbers) to the same samples.
/// </summary>
public sealed class ProfileWritersTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    /// <summary>Two processes named "app" with the same stack (merged in folded and SVG), and one with a name to escape.</summary>
    private static StackProfile Known(ProfileKind kind) => new()
    {
        Kind = kind,
        Hook = kind == ProfileKind.OnCpu ? "perf_event:cpu-clock@100Hz" : "tp_btf:sched_switch",
        StartedAt = Start,
        Elapsed = TimeSpan.FromSeconds(2),
        Frequency = kind == ProfileKind.OnCpu ? 100 : 0,
        Stacks =
        [
            new(10, "app", [User("main", 0x1000), User("outer", 0x1100), User("inner", 0x1200)], 30, TimeSpan.FromMilliseconds(300)),
            new(11, "app", [User("main", 0x1000), User("outer", 0x1100), User("inner", 0x1200)], 10, TimeSpan.FromMilliseconds(100)),
            new(12, "db", [User("std::map<int, int>::find&", 0x2000), new("vfs_read", FrameKind.Kernel, KernelSymbols.Module, 0xffffffff81000000)], 5, TimeSpan.FromMilliseconds(50)),
            new(13, "js", [new("JS:*hot /x.js:1", FrameKind.Jit, "/tmp/perf-13.map", 0x7f0000001000)], 5, TimeSpan.FromMilliseconds(50)),
        ],
    };

    private static SymbolizedFrame User(string name, ulong address) => new(name, FrameKind.User, "/usr/bin/app", address);

    [Fact]
    public void FoldedLinesMergeSameNamedProcessesAndCarrySamplesOrMicroseconds()
    {
        var onCpu = Folded(Known(ProfileKind.OnCpu));
        Assert.Equal(["app;main;outer;inner 40", "db;std::map<int, int>::find&;vfs_read 5", "js;JS:*hot /x.js:1 5"], onCpu);
        var offCpu = Folded(Known(ProfileKind.OffCpu));
        Assert.Equal("app;main;outer;inner 400000", offCpu[0]);
    }

    [Fact]
    public void SvgIsXmlWithOneFramePerMergedNodeSizedByShareAndTheScript()
    {
        var profile = Known(ProfileKind.OnCpu);
        using var text = new StringWriter();
        FlameGraphSvg.Write(profile, text);
        var svg = XDocument.Parse(text.ToString());
        XNamespace ns = "http://www.w3.org/2000/svg";

        var frames = svg.Descendants(ns + "g").Single(g => (string?)g.Attribute("id") == "frames").Elements(ns + "g").ToList();
        var rects = frames.Select(g => g.Element(ns + "rect")!).ToDictionary(r => (string)r.Attribute("data-name")!, r => r);
        // all, 3 processes, app's 3 frames, db's 2, js's 1: merged, one frame each.
        Assert.Equal(10, frames.Count);
        double full = double.Parse((string)rects["all"].Attribute("width")!, CultureInfo.InvariantCulture);
        double inner = double.Parse((string)rects["inner"].Attribute("width")!, CultureInfo.InvariantCulture);
        Assert.Equal(40.0 / 50, inner / full, 2);
        var title = frames.Single(g => (string)g.Element(ns + "rect")!.Attribute("data-name")! == "inner").Element(ns + "title")!.Value;
        Assert.Equal("inner (40 samples, 80.00%)", title);
        Assert.Contains("std::map<int, int>::find&", rects.Keys); // escaped on write, intact on read
        // Callees above callers: inner sits one row above outer.
        Assert.Equal(double.Parse((string)rects["outer"].Attribute("y")!, CultureInfo.InvariantCulture) - 16,
            double.Parse((string)rects["inner"].Attribute("y")!, CultureInfo.InvariantCulture));
        var script = svg.Descendants(ns + "script").Single().Value;
        Assert.Contains("function zoom(", script);
        Assert.Contains("function search(", script);
        Assert.Contains("Reset Zoom", text.ToString());
    }

    [Fact]
    public void PprofDecodesToTheSamplesLeafFirstWithTypesLabelsAndPeriod()
    {
        var profile = Known(ProfileKind.OnCpu);
        var decoded = Pprof.Decode(WritePprof(profile));

        Assert.Equal([("samples", "count"), ("cpu", "nanoseconds")], decoded.SampleTypes);
        Assert.Equal(("cpu", "nanoseconds"), decoded.PeriodType);
        Assert.Equal(10_000_000, decoded.Period);
        Assert.Equal("cpu", decoded.DefaultSampleType);
        Assert.Equal(Start.ToUnixTimeMilliseconds() * 1_000_000, decoded.TimeNanos);
        Assert.Equal(2_000_000_000, decoded.DurationNanos);
        Assert.Equal(4, decoded.Samples.Count);
        var first = decoded.Samples[0];
        Assert.Equal(["inner", "outer", "main"], first.Functions); // leaf first
        Assert.Equal([30L, 300_000_000L], first.Values);
        Assert.Equal(10, first.NumLabels["pid"]);
        Assert.Equal("app", first.StrLabels["comm"]);
        Assert.Equal(profile.TotalCount, (ulong)decoded.Samples.Sum(s => s.Values[0]));
        Assert.Equal(new[] { "/tmp/perf-13.map", "/usr/bin/app", KernelSymbols.Module }.Order(StringComparer.Ordinal), decoded.Mappings.Order(StringComparer.Ordinal));
        Assert.Equal(0x1200UL, decoded.Samples[0].Addresses[0]);
    }

    [Fact]
    public void OffCpuPprofWeighsBlockedNanoseconds()
    {
        var decoded = Pprof.Decode(WritePprof(Known(ProfileKind.OffCpu)));

        Assert.Equal([("blocks", "count"), ("off-cpu", "nanoseconds")], decoded.SampleTypes);
        Assert.Equal("off-cpu", decoded.DefaultSampleType);
        Assert.Equal([30L, 300_000_000L], decoded.Samples[0].Values);
    }

    [Fact]
    public void ARealProfileWrittenToEachFormatReadsBackToItsTotals()
    {
        KernelPrerequisites.Require();
        var before = KernelPrograms.Ids();
        using var workload = new ProfiledWorkload("profile_burner.c").Start("20");
        var profile = CpuProfiler.Run(new ProfileRequest { Duration = TimeSpan.FromSeconds(1), Frequency = 99, ProcessIds = [workload.Pid] });
        KernelPrograms.AssertReturnsTo(before);
        var directory = Directory.CreateTempSubdirectory("ebpf-mcp-profile-").FullName;
        try
        {
            var svg = ProfileFiles.Write(profile, Path.Combine(directory, "cpu.svg"));
            var folded = ProfileFiles.Write(profile, Path.Combine(directory, "cpu.folded"));
            var pprof = ProfileFiles.Write(profile, Path.Combine(directory, "cpu.pb.gz"));

            var root = XDocument.Load(svg).Root!;
            Assert.Equal(profile.TotalCount.ToString(CultureInfo.InvariantCulture), (string?)root.Attribute("data-total"));
            var lines = File.ReadAllLines(folded);
            Assert.All(lines, l => Assert.Matches(@"^[^;\n]+(;[^;\n]+)* \d+$", l));
            Assert.Equal(profile.TotalCount, lines.Aggregate(0UL, (sum, l) => sum + ulong.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)));
            Assert.Contains(lines, l => l.StartsWith(workload.Name + ";", StringComparison.Ordinal) && l.Contains(";burner_outer;burner_inner ", StringComparison.Ordinal));
            var decoded = Pprof.Decode(File.ReadAllBytes(pprof));
            Assert.Equal(profile.TotalCount, (ulong)decoded.Samples.Sum(s => s.Values[0]));
            Assert.Contains(decoded.Samples, s => s.Functions.Count > 1 && s.Functions[0] == "burner_inner" && s.Functions[1] == "burner_outer");
            var table = TopStacksTable.Format(profile, top: 3);
            Assert.Contains($"{workload.Name} ({workload.Pid}): burner_inner <- burner_outer", table);
        }
        finally
        {
            Directory.Delete(directory, true);
        }
    }

    [Fact]
    public void AnEmptyProfileStillWritesValidFiles()
    {
        var empty = new StackProfile { Kind = ProfileKind.OffCpu, Hook = "raw_tp:sched_switch", StartedAt = Start, Elapsed = TimeSpan.FromSeconds(1), Stacks = [] };
        using var text = new StringWriter();
        FlameGraphSvg.Write(empty, text);

        Assert.Equal("0", (string?)XDocument.Parse(text.ToString()).Root!.Attribute("data-total"));
        Assert.Contains("Off-CPU Time Flame Graph", text.ToString());
        Assert.Empty(Folded(empty));
        var decoded = Pprof.Decode(WritePprof(empty));
        Assert.Empty(decoded.Samples);
        Assert.Equal("off-cpu", decoded.DefaultSampleType);
        Assert.StartsWith("0 blocks", TopStacksTable.Format(empty).Replace("0.0 ms blocked in ", "", StringComparison.Ordinal));
    }

    [Fact]
    public void OtherFileNamesAreRefusedWithAStableError()
    {
        var e = Assert.Throws<BpfException>(() => ProfileFiles.Write(Known(ProfileKind.OnCpu), "/tmp/profile.png"));
        Assert.Equal("UnsupportedOutFile", e.ErrorId);
        Assert.Contains(".pb.gz", e.Message);
        Assert.False(File.Exists("/tmp/profile.png"));
        Assert.True(ProfileFiles.IsSupported("x.PB.GZ"));
    }

    private static string[] Folded(StackProfile profile)
    {
        using var text = new StringWriter();
        FoldedStacks.Write(profile, text);
        return text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static byte[] WritePprof(StackProfile profile)
    {
        using var buffer = new MemoryStream();
        PprofWriter.Write(profile, buffer);
        return buffer.ToArray();
    }

    /// <summary>
    /// A small pprof reader for the test, independent of the writer: gunzip, then the wire format
    /// field by field with the numbers of google/pprof proto/profile.proto.
    /// </summary>
    private sealed class Pprof
    {
        public sealed record Sample(List<string> Functions, List<ulong> Addresses, List<long> Values, Dictionary<string, long> NumLabels, Dictionary<string, string> StrLabels);

        public List<(string, string)> SampleTypes { get; } = [];
        public List<Sample> Samples { get; } = [];
        public List<string> Mappings { get; } = [];
        public (string, string) PeriodType { get; private set; }
        public long Period { get; private set; }
        public long TimeNanos { get; private set; }
        public long DurationNanos { get; private set; }
        public string DefaultSampleType { get; private set; } = "";

        public static Pprof Decode(byte[] gzipped)
        {
            Assert.Equal(0x1f, gzipped[0]);
            Assert.Equal(0x8b, gzipped[1]);
            using var gzip = new GZipStream(new MemoryStream(gzipped), CompressionMode.Decompress);
            using var raw = new MemoryStream();
            gzip.CopyTo(raw);
            var strings = new List<string>();
            var sampleTypes = new List<(long, long)>();
            var samples = new List<(List<ulong> Locations, List<long> Values, List<(long Key, long Str, long Num)> Labels)>();
            var locations = new Dictionary<ulong, (ulong Address, ulong Function)>();
            var functions = new Dictionary<ulong, long>();
            var mappings = new List<long>();
            (long, long) periodType = default;
            long defaultType = 0, period = 0, time = 0, duration = 0;
            foreach (var (field, value, bytes) in Fields(raw.ToArray()))
            {
                switch (field)
                {
                    case 1: sampleTypes.Add(ValueType(bytes!)); break;
                    case 2:
                        var s = (Locations: new List<ulong>(), Values: new List<long>(), Labels: new List<(long, long, long)>());
                        foreach (var (f, v, b) in Fields(bytes!))
                        {
                            if (f == 1) { s.Locations.AddRange(Packed(b!)); }
                            else if (f == 2) { s.Values.AddRange(Packed(b!).Select(x => (long)x)); }
                            else if (f == 3)
                            {
                                var l = Fields(b!).ToList();
                                s.Labels.Add(((long)l.Single(x => x.Field == 1).Value, (long)(l.FirstOrDefault(x => x.Field == 2).Value), (long)(l.FirstOrDefault(x => x.Field == 3).Value)));
                            }
                        }
                        samples.Add(s);
                        break;
                    case 3: mappings.Add((long)Fields(bytes!).Single(x => x.Field == 5).Value); break;
                    case 4:
                        var loc = Fields(bytes!).ToList();
                        var line = Fields(loc.Single(x => x.Field == 4).Bytes!).Single(x => x.Field == 1).Value;
                        locations[loc.Single(x => x.Field == 1).Value] = (loc.FirstOrDefault(x => x.Field == 3).Value, line);
                        break;
                    case 5:
                        var fn = Fields(bytes!).ToList();
                        functions[fn.Single(x => x.Field == 1).Value] = (long)fn.Single(x => x.Field == 2).Value;
                        break;
                    case 6: strings.Add(System.Text.Encoding.UTF8.GetString(bytes!)); break;
                    case 9: time = (long)value; break;
                    case 10: duration = (long)value; break;
                    case 11: periodType = ValueType(bytes!); break;
                    case 12: period = (long)value; break;
                    case 14: defaultType = (long)value; break;
                }
            }
            Assert.Equal("", strings[0]);
            var result = new Pprof
            {
                PeriodType = (strings[(int)periodType.Item1], strings[(int)periodType.Item2]),
                Period = period,
                TimeNanos = time,
                DurationNanos = duration,
                DefaultSampleType = strings[(int)defaultType],
            };
            result.SampleTypes.AddRange(sampleTypes.Select(t => (strings[(int)t.Item1], strings[(int)t.Item2])));
            result.Mappings.AddRange(mappings.Select(m => strings[(int)m]));
            foreach (var (ids, values, labels) in samples)
            {
                result.Samples.Add(new Sample(
                    ids.Select(id => strings[(int)functions[locations[id].Function]]).ToList(),
                    ids.Select(id => locations[id].Address).ToList(),
                    values,
                    labels.Where(l => l.Str == 0).ToDictionary(l => strings[(int)l.Key], l => l.Num),
                    labels.Where(l => l.Str != 0).ToDictionary(l => strings[(int)l.Key], l => strings[(int)l.Str])));
            }
            return result;
        }

        private static (long, long) ValueType(byte[] bytes)
        {
            var f = Fields(bytes).ToList();
            return ((long)f.Single(x => x.Field == 1).Value, (long)f.Single(x => x.Field == 2).Value);
        }

        private static IEnumerable<ulong> Packed(byte[] bytes)
        {
            var input = new CodedInputStream(bytes);
            while (!input.IsAtEnd)
            {
                yield return input.ReadUInt64();
            }
        }

        /// <summary>(field number, varint value, or length-delimited bytes) of one message.</summary>
        private static IEnumerable<(int Field, ulong Value, byte[]? Bytes)> Fields(byte[] message)
        {
            var input = new CodedInputStream(message);
            var fields = new List<(int, ulong, byte[]?)>();
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                int field = WireFormat.GetTagFieldNumber(tag);
                switch (WireFormat.GetTagWireType(tag))
                {
                    case WireFormat.WireType.Varint: fields.Add((field, input.ReadUInt64(), null)); break;
                    case WireFormat.WireType.LengthDelimited: fields.Add((field, 0, input.ReadBytes().ToByteArray())); break;
                    default: throw new InvalidDataException($"unexpected wire type in field {field}");
                }
            }
            return fields;
        }
    }
}
