namespace Engine.Hosting;

/// <summary>One node per data dir: its files, and the LMDB directory of sharding's remembered shards above all, have one
/// owner. An exclusive lock on a file in it, held while the node runs; the system drops it if the process dies.</summary>
public sealed class DataDirLock : IDisposable
{
    private readonly FileStream _file;

    private DataDirLock(FileStream file) => _file = file;

    public static DataDirLock Take(EngineSettings settings)
    {
        var path = Path.Combine(settings.FullDataDir, "node.lock");
        try { return new DataDirLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None)); }
        catch (IOException)
        {
            throw new ArgumentException($"the data dir {settings.FullDataDir} is in use by another engine node: give each node its own --data-dir");
        }
    }

    public void Dispose() => _file.Dispose();
}
