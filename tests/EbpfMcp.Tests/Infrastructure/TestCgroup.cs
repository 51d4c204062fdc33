namespace EbpfMcp.Tests.Infrastructure;

/// <summary>A cgroup v2 directory of its own for a test (optionally named like a container's scope); removed on dispose.</summary>
public sealed class TestCgroup : IDisposable
{
    public TestCgroup(string name)
    {
        Root = File.ReadLines("/proc/self/mounts").Select(l => l.Split(' ')).First(f => f[2] == "cgroup2")[1];
        Path = System.IO.Path.Combine(Root, name);
        Directory.CreateDirectory(Path);
    }

    public string Root { get; }
    public string Path { get; }

    /// <summary>The path the kernel reports, relative to the cgroup2 mount.</summary>
    public string RelativePath => Path[Root.TrimEnd('/').Length..];

    public void Add(int pid) => File.WriteAllText(System.IO.Path.Combine(Path, "cgroup.procs"), pid.ToString());

    public void Dispose()
    {
        // A cgroup can be removed once its processes have exited; give the last one a moment.
        for (int i = 0; i < 50; i++)
        {
            try
            {
                Directory.Delete(Path);
                return;
            }
            catch (IOException)
            {
                Thread.Sleep(20);
            }
        }
    }
}
