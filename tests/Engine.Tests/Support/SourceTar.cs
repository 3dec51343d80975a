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

    public static MemoryStream Build(params TarEntry[] entries)
    {
        var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, leaveOpen: true))
            foreach (var e in entries) writer.WriteEntry(e);
        tar.Position = 0;
        return tar;
    }
}
