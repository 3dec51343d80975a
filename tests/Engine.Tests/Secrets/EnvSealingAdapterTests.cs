using System.Security.Cryptography;
using Akka.Persistence.Journal;
using Engine.Hosting;
using Engine.Secrets;
using Engine.Protocol;

namespace Engine.Tests.Secrets;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class EnvSealingAdapterTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-26T12:00:00Z");
    private static readonly Dictionary<string, string> Env = new() { ["TOKEN"] = "hunter2", ["EMPTY"] = "" };
    private readonly EnvSealingAdapter _adapter = new(EnvCipher.FromBase64(EnvCipher.NewKey(), "test key"));

    public static TheoryData<IAppEvent> EventsWithEnv => new()
    {
        new EnvChanged("app", Env, ["OLD"], Now),
        new DeploymentQueued("app", "app-v1", 1, "/a.tar", Env, Now),
        new DeploymentCreated("app", "app-v1", 1, "/a.tar", Env, Now),
        new ContainersStarting("app", "app-v1", [ContainerSpec.For("app", "app-v1", "v1", "img", "web", 1, "serve", Env, 5000)], Now),
        new DeploymentRouted("app", "app-v1", 1, [ContainerSpec.For("app", "app-v1", "v1", "img", "web", 1, "serve", Env, 5000)], Now, []),
    };

    private static IEnumerable<string> Values(object e) => e switch
    {
        EnvChanged c => c.Set.Values,
        DeploymentQueued q => q.Env.Values,
        DeploymentCreated c => c.Env.Values,
        ContainersStarting s => s.Containers.SelectMany(c => c.Env.Values),
        DeploymentRouted r => r.Containers.SelectMany(c => c.Env.Values),
        _ => [],
    };

    [Theory]
    [MemberData(nameof(EventsWithEnv))]
    public void Env_values_go_to_the_journal_sealed_tagged_and_come_back_plain(IAppEvent e)
    {
        var tagged = Assert.IsType<Tagged>(_adapter.ToJournal(e));
        Assert.Equal(["app:app"], tagged.Tags);
        Assert.All(Values(tagged.Payload), v => Assert.StartsWith(EnvCipher.Prefix, v));
        Assert.DoesNotContain(Values(tagged.Payload), v => v.Contains("hunter2"));

        var back = Assert.Single(_adapter.FromJournal(tagged.Payload, "").Events);
        Assert.Equal(Values(e), Values(back));
    }

    [Fact]
    public void A_plain_env_value_in_the_journal_is_refused_not_read_as_it_is()
    {
        var plain = new EnvChanged("app", Env, [], Now);
        var error = Assert.Throws<CryptographicException>(() => _adapter.FromJournal(plain, ""));
        Assert.Contains("not sealed", error.Message);
    }

    [Fact]
    public void Another_key_cannot_read_the_values_and_says_so()
    {
        var sealedEvent = (EnvChanged)((Tagged)_adapter.ToJournal(new EnvChanged("app", Env, [], Now))).Payload;
        var other = new EnvSealingAdapter(EnvCipher.FromBase64(EnvCipher.NewKey(), "other key"));
        var error = Assert.Throws<CryptographicException>(() => other.FromJournal(sealedEvent, ""));
        Assert.Contains("cannot be decrypted", error.Message);
    }

    [Fact]
    public void The_data_dir_the_database_and_the_key_are_private_to_the_engine_user()
    {
        var dir = Path.Combine(Directory.CreateTempSubdirectory("engine-modes-").FullName, "data");
        try
        {
            var settings = new EngineSettings { DataDir = dir };
            settings.Prepare();
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(settings.DatabasePath));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "secret.key")));

            // The key survives restarts: what one start sealed, the next one opens.
            var sealedValue = settings.Cipher.Seal("v");
            var again = new EngineSettings { DataDir = dir };
            again.Prepare();
            Assert.Equal("v", again.Cipher.Open(sealedValue));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(dir)!, recursive: true);
        }
    }

    [Fact]
    public void A_configured_key_must_be_32_bytes_of_base64()
    {
        var dir = Directory.CreateTempSubdirectory("engine-key-").FullName;
        try
        {
            var error = Assert.Throws<ArgumentException>(() => new EngineSettings { DataDir = dir, SecretKey = "short" }.Prepare());
            Assert.Contains("Engine:SecretKey", error.Message);
            Assert.False(File.Exists(Path.Combine(dir, "secret.key")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
