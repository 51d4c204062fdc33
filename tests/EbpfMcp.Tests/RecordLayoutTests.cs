using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EbpfMcp.Kernel.Maps;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Native;
using EbpfMcp.Tests.Infrastructure;

namespace EbpfMcp.Tests;

/// <summary>
/// No hand-copied offsets between C and C#: every C# mirror of a C struct ([BtfStruct]) has the
/// same fields, at the same offsets and of the same sizes, as that struct in the BTF of every
/// committed BPF object that uses it; and every event record starts with the event context.
/// </summary>
public sealed class RecordLayoutTests
{
    private static readonly Type[] Mirrors = [.. typeof(BtfStructAttribute).Assembly.GetTypes().Where(t => t.GetCustomAttribute<BtfStructAttribute>() is not null)];

    public static TheoryData<string> MirrorNames() => new(Mirrors.Select(t => t.FullName!));

    [Theory]
    [MemberData(nameof(MirrorNames))]
    public void MirrorMatchesTheBtfOfEveryObjectThatHasTheStruct(string typeName)
    {
        var type = Mirrors.Single(t => t.FullName == typeName);
        var structName = type.GetCustomAttribute<BtfStructAttribute>()!.Name;
        var objects = Directory.GetFiles(Path.Combine(TestObjects.RepoRoot, "bpf"), "*.bpf.o");
        int checkedObjects = 0;
        foreach (var path in objects)
        {
            using var btf = BtfHandle.ParseElf(path);
            Assert.True(btf is not null, $"{path} has no BTF");
            if (new BtfValueDecoder(btf!).Layout(structName) is not { } layout)
            {
                continue;
            }
            checkedObjects++;
            var fields = type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
            Assert.Equal(layout.Members.Select(m => m.Name), fields.Select(f => f.Name));
            foreach (var member in layout.Members)
            {
                var field = fields.Single(f => f.Name == member.Name);
                Assert.True(member.Offset == (int)Marshal.OffsetOf(type, field.Name), $"{structName}.{member.Name} in {Path.GetFileName(path)}: C offset {member.Offset}, C# {Marshal.OffsetOf(type, field.Name)}");
                Assert.True(member.Size == SizeOf(field.FieldType), $"{structName}.{member.Name} in {Path.GetFileName(path)}: C size {member.Size}, C# {SizeOf(field.FieldType)}");
            }
            Assert.Equal(layout.Size, SizeOf(type));
        }
        Assert.True(checkedObjects > 0, $"no committed object has struct {structName}");
    }

    [Fact]
    public void EveryEventRecordStartsWithTheEventContext()
    {
        var records = typeof(BtfStructAttribute).Assembly.GetTypes()
            .Select(t => t.BaseType is { IsGenericType: true } b && b.GetGenericTypeDefinition() == typeof(EbpfMcp.Commands.BpfEventTraceCmdlet<,>) ? b.GetGenericArguments()[1] : null)
            .OfType<Type>().ToList();
        Assert.NotEmpty(records);
        Assert.All(records, r =>
        {
            Assert.NotNull(r.GetCustomAttribute<BtfStructAttribute>());
            var first = r.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)[0];
            Assert.Equal(typeof(EventContextRecord), first.FieldType);
            Assert.Equal(0, (int)Marshal.OffsetOf(r, first.Name));
        });
    }

    private static int SizeOf(Type t) => (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(t).Invoke(null, null)!;
}
