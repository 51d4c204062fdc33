namespace EbpfMcp.Tests;

/// <summary>The bridge meets the module only through commands: it cannot even compile against module types.</summary>
public sealed class BridgeBoundaryTests
{
    [Fact]
    public void TheBridgeAssemblyReferencesNoModuleAssembly()
    {
        var bridge = typeof(EbpfMcp.Bridge.BridgeOptions).Assembly;
        var module = typeof(EbpfMcp.Model.BpfHook).Assembly.GetName().Name;
        Assert.DoesNotContain(bridge.GetReferencedAssemblies(), a => a.Name == module);
    }
}
