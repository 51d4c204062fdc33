using System.Management.Automation;
using EbpfMcp.Model;
using EbpfMcp.Tests.Infrastructure;

namespace EbpfMcp.Tests;

/// <summary>Maps without BTF, caps on dump size, and maps that do not exist.</summary>
public sealed class GetBpfMapTests
{
    [Fact]
    public void MapWithoutBtfDumpsAsHexAndFirstCapsTheCount()
    {
        KernelPrerequisites.Require();
        var (map, id) = TestMaps.HashWithoutBtf("ebpfmcp_nobtf", Enumerable.Range(1, 5).Select(k => (uint)k), k => 0x1122334455667700UL + k);
        using var mapHandle = map;

        using var ps = new PowerShellSession();
        var described = (BpfMap)ps.Ok("Get-BpfMap -Name ebpfmcp_nob*").Single().BaseObject;
        Assert.Equal(id, described.Id);
        Assert.Equal(0u, described.BtfId);
        Assert.Equal("hash", described.Type);
        Assert.Empty(described.ProgramIds);

        var all = ps.Ok("Get-BpfMap -Id $id -Dump", new Dictionary<string, object?> { ["id"] = id }).Select(o => (BpfMapEntry)o.BaseObject).ToList();
        Assert.Equal(5, all.Count);
        var three = all.Single(e => (string)e.Key! == "03000000");
        Assert.Equal("0377665544332211", three.Value);

        Assert.Equal(2, ps.Ok("Get-BpfMap -Id $id -Dump -First 2", new Dictionary<string, object?> { ["id"] = id }).Count);
    }

    [Fact]
    public void MissingMapIsAnError()
    {
        KernelPrerequisites.Require();
        using var ps = new PowerShellSession();
        var dump = ps.Run("Get-BpfMap -Id 4000000000 -Dump");
        var error = Assert.Single(dump.Errors);
        Assert.Equal("MapNotFound,EbpfMcp.Commands.GetBpfMapCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        var list = ps.Run("Get-BpfMap -Id 4000000000");
        Assert.Equal("MapNotFound,EbpfMcp.Commands.GetBpfMapCommand", Assert.Single(list.Errors).FullyQualifiedErrorId);
    }

    [Fact]
    public void DumpWithoutIdIsRejectedByParameterBinding()
    {
        using var ps = new PowerShellSession();
        var error = ps.Fails("Get-BpfMap -Dump");
        Assert.Contains("ParameterBinding", error.FullyQualifiedErrorId + error.CategoryInfo.Reason + error.Exception.GetType().Name);
    }
}
