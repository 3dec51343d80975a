using System.Formats.Tar;
using Engine.Build;
using Engine.Tests.Support;

namespace Engine.Tests.Build;

public sealed class SourceArchiveTests
{
    [Fact]
    public void A_valid_archive_yields_its_Procfile()
    {
        var info = SourceArchive.Inspect(SourceTar.Build(("Dockerfile", "FROM busybox\n"), ("Procfile", "web: x\n"), ("src/app.sh", "echo\n")));
        Assert.Equal("web: x\n", info.Procfile);
    }

    [Fact]
    public void An_archive_without_a_Procfile_is_fine() =>
        Assert.Null(SourceArchive.Inspect(SourceTar.Build(("./Dockerfile", "FROM busybox\n"))).Procfile);

    [Theory]
    [InlineData("../evil", "escapes the app directory")]
    [InlineData("/etc/evil", "escapes the app directory")]
    [InlineData("a/../../evil", "escapes the app directory")]
    public void Entries_that_leave_the_folder_are_refused(string name, string message)
    {
        var e = Assert.Throws<SourceArchiveException>(() =>
            SourceArchive.Inspect(SourceTar.Build(("Dockerfile", "FROM busybox\n"), (name, "x"))));
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData(TarEntryType.SymbolicLink, "/etc/passwd")]
    [InlineData(TarEntryType.SymbolicLink, "../../outside")]
    [InlineData(TarEntryType.HardLink, "../outside")]
    public void Links_that_point_outside_are_refused(TarEntryType type, string target)
    {
        var link = new PaxTarEntry(type, "sub/link") { LinkName = target };
        var e = Assert.Throws<SourceArchiveException>(() => SourceArchive.Inspect(SourceTar.Build(
            new PaxTarEntry(TarEntryType.RegularFile, "Dockerfile") { DataStream = new MemoryStream("FROM busybox\n"u8.ToArray()) }, link)));
        Assert.Contains("points outside the app directory", e.Message);
    }

    [Fact]
    public void Links_that_stay_inside_are_accepted()
    {
        var link = new PaxTarEntry(TarEntryType.SymbolicLink, "sub/link") { LinkName = "../Dockerfile" };
        SourceArchive.Inspect(SourceTar.Build(
            new PaxTarEntry(TarEntryType.RegularFile, "Dockerfile") { DataStream = new MemoryStream("FROM busybox\n"u8.ToArray()) }, link));
    }

    [Fact]
    public void A_missing_Dockerfile_is_refused() =>
        Assert.Contains("no Dockerfile", Assert.Throws<SourceArchiveException>(() =>
            SourceArchive.Inspect(SourceTar.Build(("Procfile", "web: x\n")))).Message);

    [Fact]
    public void Garbage_is_not_a_tar() =>
        Assert.Contains("not a valid tar archive", Assert.Throws<SourceArchiveException>(() =>
            SourceArchive.Inspect(new MemoryStream(Enumerable.Repeat((byte)'x', 1024).ToArray()))).Message);
}
