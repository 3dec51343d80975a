using System.Formats.Tar;
using Engine.Build;
using Engine.Tests.Support;
using Engine.Protocol;

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
        var hardLink = new PaxTarEntry(TarEntryType.HardLink, "sub/copy") { LinkName = "Dockerfile" };
        // Accepted: no error, and the entries after the links are read too (the Procfile comes last).
        var info = SourceArchive.Inspect(SourceTar.Build(
            new PaxTarEntry(TarEntryType.RegularFile, "Dockerfile") { DataStream = new MemoryStream("FROM busybox\n"u8.ToArray()) }, link, hardLink,
            new PaxTarEntry(TarEntryType.RegularFile, "Procfile") { DataStream = new MemoryStream("web: x\n"u8.ToArray()) }));
        Assert.Equal("web: x\n", info.Procfile);
    }

    [Fact]
    public void A_missing_Dockerfile_is_refused() =>
        Assert.Contains("no Dockerfile", Assert.Throws<SourceArchiveException>(() =>
            SourceArchive.Inspect(SourceTar.Build(("Procfile", "web: x\n")))).Message);

    [Fact]
    public void Garbage_is_not_a_tar() =>
        Assert.Contains("not a valid tar archive", Assert.Throws<SourceArchiveException>(() =>
            SourceArchive.Inspect(new MemoryStream(Enumerable.Repeat((byte)'x', 1024).ToArray()))).Message);

    private static PaxTarEntry Dockerfile() =>
        new(TarEntryType.RegularFile, "Dockerfile") { DataStream = new MemoryStream("FROM busybox\n"u8.ToArray()) };

    [Fact]
    public void A_PAX_sparse_file_is_refused_whatever_size_it_claims()
    {
        var e = Assert.Throws<SourceArchiveException>(() => SourceArchive.Inspect(SourceTar.Build(Dockerfile(), SourceTar.PaxSparse("big.bin", 2L << 30))));
        Assert.Contains("is a sparse file", e.Message);
    }

    [Fact]
    public void The_expanded_size_of_the_context_is_bounded_and_the_error_names_the_bound()
    {
        var e = Assert.Throws<SourceArchiveException>(() => SourceArchive.Inspect(
            SourceTar.Build(("Dockerfile", "FROM busybox\n"), ("a", new string('x', 600)), ("b", new string('x', 600))), new ContextLimits(1000, 10)));
        Assert.Contains("expands to more than 1000 bytes (the expanded size limit)", e.Message);
    }

    [Fact]
    public void The_file_count_of_the_context_is_bounded_and_the_error_names_the_bound()
    {
        var e = Assert.Throws<SourceArchiveException>(() => SourceArchive.Inspect(
            SourceTar.Build(("Dockerfile", "FROM busybox\n"), ("a", ""), ("b", ""), ("c", "")), new ContextLimits(1000, 3)));
        Assert.Contains("more than 3 entries (the file count limit)", e.Message);
    }

    [Theory]
    [InlineData(TarEntryType.SymbolicLink)]
    [InlineData(TarEntryType.HardLink)]
    public void A_Procfile_that_is_a_link_is_refused(TarEntryType type)
    {
        var e = Assert.Throws<SourceArchiveException>(() => SourceArchive.Inspect(SourceTar.Build(Dockerfile(),
            new PaxTarEntry(TarEntryType.RegularFile, "procs") { DataStream = new MemoryStream("web: x\n"u8.ToArray()) },
            new PaxTarEntry(type, "Procfile") { LinkName = "procs" })));
        Assert.Contains("Procfile is a link (to 'procs'); it must be a regular file", e.Message);
    }
}
