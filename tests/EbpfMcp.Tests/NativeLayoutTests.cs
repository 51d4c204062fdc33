using System.Runtime.InteropServices;
using EbpfMcp.Native;
using EbpfMcp.Tests.Infrastructure;

namespace EbpfMcp.Tests;

/// <summary>The managed mirrors of the kernel's info structs match linux/bpf.h, field by field.</summary>
public sealed class NativeLayoutTests
{
    [Fact]
    public void InfoStructOffsetsMatchTheCHeader()
    {
        var fields = new (string CField, Type Managed, string Field)[]
        {
            ("bpf_prog_info.type", typeof(BpfProgramInfo), nameof(BpfProgramInfo.Type)),
            ("bpf_prog_info.id", typeof(BpfProgramInfo), nameof(BpfProgramInfo.Id)),
            ("bpf_prog_info.tag", typeof(BpfProgramInfo), nameof(BpfProgramInfo.Tag)),
            ("bpf_prog_info.load_time", typeof(BpfProgramInfo), nameof(BpfProgramInfo.LoadTime)),
            ("bpf_prog_info.created_by_uid", typeof(BpfProgramInfo), nameof(BpfProgramInfo.CreatedByUid)),
            ("bpf_prog_info.nr_map_ids", typeof(BpfProgramInfo), nameof(BpfProgramInfo.MapIdCount)),
            ("bpf_prog_info.map_ids", typeof(BpfProgramInfo), nameof(BpfProgramInfo.MapIds)),
            ("bpf_prog_info.name", typeof(BpfProgramInfo), nameof(BpfProgramInfo.Name)),
            ("bpf_prog_info.ifindex", typeof(BpfProgramInfo), nameof(BpfProgramInfo.IfIndex)),
            ("bpf_prog_info.btf_id", typeof(BpfProgramInfo), nameof(BpfProgramInfo.BtfId)),
            ("bpf_prog_info.run_time_ns", typeof(BpfProgramInfo), nameof(BpfProgramInfo.RunTimeNs)),
            ("bpf_prog_info.run_cnt", typeof(BpfProgramInfo), nameof(BpfProgramInfo.RunCount)),
            ("bpf_prog_info.recursion_misses", typeof(BpfProgramInfo), nameof(BpfProgramInfo.RecursionMisses)),
            ("bpf_prog_info.verified_insns", typeof(BpfProgramInfo), nameof(BpfProgramInfo.VerifiedInstructions)),
            ("bpf_prog_info.attach_btf_obj_id", typeof(BpfProgramInfo), nameof(BpfProgramInfo.AttachBtfObjectId)),
            ("bpf_prog_info.attach_btf_id", typeof(BpfProgramInfo), nameof(BpfProgramInfo.AttachBtfId)),
            ("bpf_map_info.type", typeof(BpfMapInfo), nameof(BpfMapInfo.Type)),
            ("bpf_map_info.key_size", typeof(BpfMapInfo), nameof(BpfMapInfo.KeySize)),
            ("bpf_map_info.value_size", typeof(BpfMapInfo), nameof(BpfMapInfo.ValueSize)),
            ("bpf_map_info.max_entries", typeof(BpfMapInfo), nameof(BpfMapInfo.MaxEntries)),
            ("bpf_map_info.map_flags", typeof(BpfMapInfo), nameof(BpfMapInfo.MapFlags)),
            ("bpf_map_info.name", typeof(BpfMapInfo), nameof(BpfMapInfo.Name)),
            ("bpf_map_info.btf_id", typeof(BpfMapInfo), nameof(BpfMapInfo.BtfId)),
            ("bpf_map_info.btf_key_type_id", typeof(BpfMapInfo), nameof(BpfMapInfo.BtfKeyTypeId)),
            ("bpf_map_info.btf_value_type_id", typeof(BpfMapInfo), nameof(BpfMapInfo.BtfValueTypeId)),
            ("bpf_map_info.map_extra", typeof(BpfMapInfo), nameof(BpfMapInfo.MapExtra)),
            ("bpf_link_info.type", typeof(BpfLinkInfo), nameof(BpfLinkInfo.Type)),
            ("bpf_link_info.id", typeof(BpfLinkInfo), nameof(BpfLinkInfo.Id)),
            ("bpf_link_info.prog_id", typeof(BpfLinkInfo), nameof(BpfLinkInfo.ProgramId)),
            ("bpf_link_info.raw_tracepoint", typeof(BpfLinkInfo), nameof(BpfLinkInfo.Union)),
        };
        var unionOffsets = new (string CField, int Offset)[]
        {
            ("bpf_link_info.raw_tracepoint.tp_name", BpfLinkInfoOffsets.NamePointer),
            ("bpf_link_info.raw_tracepoint.tp_name_len", BpfLinkInfoOffsets.NameLength),
            ("bpf_link_info.tracing.attach_type", BpfLinkInfoOffsets.TracingAttachType),
            ("bpf_link_info.tracing.target_obj_id", BpfLinkInfoOffsets.TracingTargetObjectId),
            ("bpf_link_info.tracing.target_btf_id", BpfLinkInfoOffsets.TracingTargetBtfId),
            ("bpf_link_info.cgroup.cgroup_id", BpfLinkInfoOffsets.CgroupId),
            ("bpf_link_info.cgroup.attach_type", BpfLinkInfoOffsets.CgroupAttachType),
            ("bpf_link_info.netns.netns_ino", BpfLinkInfoOffsets.NetnsIno),
            ("bpf_link_info.netns.attach_type", BpfLinkInfoOffsets.NetnsAttachType),
            ("bpf_link_info.xdp.ifindex", BpfLinkInfoOffsets.IfIndex),
        };

        var program = new System.Text.StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include <linux/bpf.h>\n#define OFF(t, f) printf(\"%s.%s %zu\\n\", #t, #f, offsetof(struct t, f))\nint main(void) {\n");
        foreach (var (c, _, _) in fields)
        {
            var dot = c.IndexOf('.');
            program.Append($"  OFF({c[..dot]}, {c[(dot + 1)..]});\n");
        }
        foreach (var (c, _) in unionOffsets)
        {
            var dot = c.IndexOf('.');
            program.Append($"  OFF({c[..dot]}, {c[(dot + 1)..]});\n");
        }
        program.Append("  return 0;\n}\n");

        var dir = Directory.CreateTempSubdirectory("ebpf-mcp-layout-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "layout.c"), program.ToString());
            var compile = KernelPrerequisites.RunWithExit("cc", "-o", Path.Combine(dir, "layout"), Path.Combine(dir, "layout.c"));
            Assert.True(compile.ExitCode == 0, compile.Error);
            var offsets = KernelPrerequisites.Run(Path.Combine(dir, "layout"))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split(' '))
                .ToDictionary(p => p[0], p => int.Parse(p[1]));
            foreach (var (c, type, field) in fields)
            {
                Assert.True(offsets[c] == (int)Marshal.OffsetOf(type, field), $"{c}: C says {offsets[c]}, {type.Name}.{field} is at {Marshal.OffsetOf(type, field)}");
            }
            foreach (var (c, offset) in unionOffsets)
            {
                Assert.True(offsets[c] == offset, $"{c}: C says {offsets[c]}, BpfLinkInfoOffsets says {offset}");
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
