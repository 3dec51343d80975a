using System.Formats.Tar;
using System.Text;

namespace Engine.Tests.Support;

public static class SourceTar
{
    public static MemoryStream Build(params (string Name, string Text)[] files) =>
        Build(files.Select(f => (TarEntry)new PaxTarEntry(TarEntryType.RegularFile, f.Name)
        {
            DataStream = new MemoryStream(Encoding.UTF8.GetBytes(f.Text)),
        }).ToArray());

    /// <summary>An uploaded-source file as the admin API stores it.</summary>
    public static string WriteArchive(string dir, string procfile, bool dockerfile = true)
    {
        var archive = Path.Combine(dir, $"{Guid.NewGuid():N}.tar");
        var files = new List<(string, string)> { ("Procfile", procfile) };
        if (dockerfile) files.Add(("Dockerfile", "FROM busybox\n"));
        using var file = File.Create(archive);
        Build(files.ToArray()).CopyTo(file);
        return archive;
    }

    public static MemoryStream Build(params TarEntry[] entries)
    {
        var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, leaveOpen: true))
            foreach (var e in entries) writer.WriteEntry(e);
        tar.Position = 0;
        return tar;
    }

    /// <summary>A PAX 1.0 sparse file: a few bytes in the archive that tar and Docker expand to `realSize` bytes.</summary>
    public static PaxTarEntry PaxSparse(string name, long realSize)
    {
        // The data starts with the sparse map (one region of 1 byte at the very end), padded to a block.
        var map = Encoding.ASCII.GetBytes($"1\n{realSize - 1}\n1\n");
        var data = new byte[512 + 1];
        map.CopyTo(data, 0);
        data[512] = (byte)'x';
        return new PaxTarEntry(TarEntryType.RegularFile, $"GNUSparseFile.0/{name}", new Dictionary<string, string>
        {
            ["GNU.sparse.major"] = "1",
            ["GNU.sparse.minor"] = "0",
            ["GNU.sparse.name"] = name,
            ["GNU.sparse.realsize"] = realSize.ToString(),
        }) { DataStream = new MemoryStream(data) };
    }
}
