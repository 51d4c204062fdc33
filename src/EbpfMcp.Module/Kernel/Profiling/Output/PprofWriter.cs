using System.IO.Compression;
using EbpfMcp.Kernel.Symbols;
using Google.Protobuf;

namespace EbpfMcp.Kernel.Profiling.Output;

/// <summary>
/// A gzipped pprof profile (.pb.gz) that go tool pprof, Pyroscope and Parca read, written with
/// Google.Protobuf's CodedOutputStream. Field numbers are those of google/pprof's
/// proto/profile.proto (message Profile and its children) and must stay equal to them: readers
/// know the format only by those numbers. Samples carry location ids leaf first, as the format
/// wants, and the labels "pid" (number) and "comm" (the process name).
/// </summary>
internal static class PprofWriter
{
    // message Profile
    private const int ProfileSampleType = 1, ProfileSample = 2, ProfileMapping = 3, ProfileLocation = 4, ProfileFunction = 5,
        ProfileStringTable = 6, ProfileTimeNanos = 9, ProfileDurationNanos = 10, ProfilePeriodType = 11, ProfilePeriod = 12,
        ProfileComment = 13, ProfileDefaultSampleType = 14;
    // message ValueType
    private const int ValueTypeType = 1, ValueTypeUnit = 2;
    // message Sample
    private const int SampleLocationId = 1, SampleValue = 2, SampleLabel = 3;
    // message Label
    private const int LabelKey = 1, LabelStr = 2, LabelNum = 3;
    // message Mapping
    private const int MappingId = 1, MappingFilename = 5, MappingHasFunctions = 7;
    // message Location
    private const int LocationId = 1, LocationMappingId = 2, LocationAddress = 3, LocationLine = 4;
    // message Line
    private const int LineFunctionId = 1;
    // message Function
    private const int FunctionId = 1, FunctionName = 2, FunctionSystemName = 3, FunctionFilename = 4;

    public static void Write(StackProfile profile, Stream destination)
    {
        using var gzip = new GZipStream(destination, CompressionLevel.Optimal, leaveOpen: true);
        var output = new CodedOutputStream(gzip, leaveOpen: true);
        new Builder(profile).WriteTo(output);
        output.Flush();
    }

    private sealed class Builder(StackProfile profile)
    {
        private readonly Dictionary<string, long> strings = new(StringComparer.Ordinal) { [""] = 0 };
        private readonly List<string> stringTable = [""];
        private readonly Dictionary<string, ulong> mappings = new(StringComparer.Ordinal);
        private readonly Dictionary<(string Name, string Module), ulong> functions = new();
        private readonly Dictionary<(string Module, ulong Address, string Name), (ulong Id, ulong Mapping, ulong Function)> locations = new();

        public void WriteTo(CodedOutputStream output)
        {
            bool onCpu = profile.Kind == ProfileKind.OnCpu;
            long periodNs = profile.SamplePeriod.Ticks * 100;
            var sampleTypes = onCpu ? new[] { ("samples", "count"), ("cpu", "nanoseconds") } : [("blocks", "count"), ("off-cpu", "nanoseconds")];
            var samples = profile.Stacks.Select(stack => Message(m =>
            {
                // Leaf first.
                var ids = stack.Frames.Reverse().Select(Location).ToArray();
                PackedUInt64(m, SampleLocationId, ids);
                long weight = onCpu ? (long)stack.Count * periodNs : stack.BlockedTime.Ticks * 100;
                PackedInt64(m, SampleValue, [(long)stack.Count, weight]);
                Field(m, SampleLabel, Message(l => { Int(l, LabelKey, String("pid")); Int(l, LabelNum, stack.ProcessId); }));
                Field(m, SampleLabel, Message(l => { Int(l, LabelKey, String("comm")); Int(l, LabelStr, String(stack.ProcessName)); }));
            })).ToList();

            foreach (var (type, unit) in sampleTypes)
            {
                Field(output, ProfileSampleType, ValueType(type, unit));
            }
            samples.ForEach(s => Field(output, ProfileSample, s));
            foreach (var (file, id) in mappings)
            {
                Field(output, ProfileMapping, Message(m => { Int(m, MappingId, (long)id); Int(m, MappingFilename, String(file)); Bool(m, MappingHasFunctions); }));
            }
            foreach (var ((_, address, _), (id, mapping, function)) in locations)
            {
                Field(output, ProfileLocation, Message(m =>
                {
                    Int(m, LocationId, (long)id);
                    Int(m, LocationMappingId, (long)mapping);
                    Int(m, LocationAddress, (long)address);
                    Field(m, LocationLine, Message(l => Int(l, LineFunctionId, (long)function)));
                }));
            }
            foreach (var ((name, module), id) in functions)
            {
                Field(output, ProfileFunction, Message(m =>
                {
                    Int(m, FunctionId, (long)id);
                    Int(m, FunctionName, String(name));
                    Int(m, FunctionSystemName, String(name));
                    Int(m, FunctionFilename, String(module));
                }));
            }
            var periodType = onCpu ? ValueType("cpu", "nanoseconds") : ValueType("off-cpu", "nanoseconds");
            var comment = String($"ebpf-mcp {(onCpu ? "CPU" : "off-CPU")} profile on {profile.Hook}");
            var defaultType = String(onCpu ? "cpu" : "off-cpu");
            foreach (var s in stringTable)
            {
                output.WriteTag(ProfileStringTable, WireFormat.WireType.LengthDelimited);
                output.WriteString(s);
            }
            Int(output, ProfileTimeNanos, profile.StartedAt.ToUnixTimeMilliseconds() * 1_000_000);
            Int(output, ProfileDurationNanos, profile.Elapsed.Ticks * 100);
            Field(output, ProfilePeriodType, periodType);
            Int(output, ProfilePeriod, onCpu ? periodNs : 1);
            Int(output, ProfileComment, comment);
            Int(output, ProfileDefaultSampleType, defaultType);
        }

        private ByteString ValueType(string type, string unit)
        {
            long t = String(type), u = String(unit);
            return Message(m => { Int(m, ValueTypeType, t); Int(m, ValueTypeUnit, u); });
        }

        private long String(string s)
        {
            if (!strings.TryGetValue(s, out var index))
            {
                index = stringTable.Count;
                strings[s] = index;
                stringTable.Add(s);
            }
            return index;
        }

        private ulong Location(SymbolizedFrame frame)
        {
            var module = frame.Module ?? "";
            if (!locations.TryGetValue((module, frame.Address, frame.Name), out var location))
            {
                if (!mappings.TryGetValue(module, out var mapping) && module.Length > 0)
                {
                    mapping = (ulong)mappings.Count + 1;
                    mappings[module] = mapping;
                }
                if (!functions.TryGetValue((frame.Name, module), out var function))
                {
                    function = (ulong)functions.Count + 1;
                    functions[(frame.Name, module)] = function;
                }
                location = ((ulong)locations.Count + 1, mapping, function);
                locations[(module, frame.Address, frame.Name)] = location;
            }
            return location.Id;
        }
    }

    private static ByteString Message(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer, leaveOpen: true);
        write(output);
        output.Flush();
        return ByteString.CopyFrom(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void Field(CodedOutputStream output, int field, ByteString message)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(message);
    }

    /// <summary>An int64/uint64 scalar; zero is the default and is left out, as proto3 does.</summary>
    private static void Int(CodedOutputStream output, int field, long value)
    {
        if (value != 0)
        {
            output.WriteTag(field, WireFormat.WireType.Varint);
            output.WriteInt64(value);
        }
    }

    private static void Bool(CodedOutputStream output, int field)
    {
        output.WriteTag(field, WireFormat.WireType.Varint);
        output.WriteBool(true);
    }

    private static void PackedUInt64(CodedOutputStream output, int field, ulong[] values) =>
        Field(output, field, Message(m => Array.ForEach(values, m.WriteUInt64)));

    private static void PackedInt64(CodedOutputStream output, int field, long[] values) =>
        Field(output, field, Message(m => Array.ForEach(values, m.WriteInt64)));
}
