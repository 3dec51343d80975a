using System.Security.Cryptography;
using System.Text;

namespace Engine.Secrets;

/// <summary>Encrypts env values for the journal (AES-GCM, a random nonce per value) as `enc:v1:BASE64`.
/// A value without the prefix was never sealed by this engine: it is refused, never read as it is.</summary>
public sealed class EnvCipher
{
    public const string Prefix = "enc:v1:";
    public const int KeyBytes = 32;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private readonly byte[] _key;

    public EnvCipher(byte[] key)
    {
        if (key.Length != KeyBytes) throw new ArgumentException($"the secret key must be {KeyBytes} bytes, got {key.Length}");
        _key = key;
    }

    /// <summary>A key as written to the key file: base64 of 32 random bytes.</summary>
    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeyBytes));

    public static EnvCipher FromBase64(string key, string where)
    {
        byte[] bytes;
        try { bytes = Convert.FromBase64String(key.Trim()); }
        catch (FormatException) { throw new ArgumentException($"{where} must hold a base64 key of {KeyBytes} bytes"); }
        if (bytes.Length != KeyBytes) throw new ArgumentException($"{where} must hold a base64 key of {KeyBytes} bytes, got {bytes.Length}");
        return new EnvCipher(bytes);
    }

    public string Seal(string value)
    {
        var plain = Encoding.UTF8.GetBytes(value);
        var sealedBytes = new byte[NonceBytes + TagBytes + plain.Length];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceBytes + TagBytes), sealedBytes.AsSpan(NonceBytes, TagBytes));
        return Prefix + Convert.ToBase64String(sealedBytes);
    }

    public string Open(string value)
    {
        if (!value.StartsWith(Prefix, StringComparison.Ordinal))
            throw new CryptographicException("an env value in the journal is not sealed: it was not written by this engine");
        try
        {
            var sealedBytes = Convert.FromBase64String(value[Prefix.Length..]);
            var plain = new byte[sealedBytes.Length - NonceBytes - TagBytes];
            using var aes = new AesGcm(_key, TagBytes);
            aes.Decrypt(sealedBytes.AsSpan(0, NonceBytes), sealedBytes.AsSpan(NonceBytes + TagBytes),
                sealedBytes.AsSpan(NonceBytes, TagBytes), plain);
            return Encoding.UTF8.GetString(plain);
        }
        catch (Exception e) when (e is CryptographicException or FormatException or OverflowException)
        {
            throw new CryptographicException("an env value in the journal cannot be decrypted: is this the key it was written with?", e);
        }
    }

    public Dictionary<string, string> Seal(IReadOnlyDictionary<string, string> env) => env.ToDictionary(kv => kv.Key, kv => Seal(kv.Value));

    public Dictionary<string, string> Open(IReadOnlyDictionary<string, string> env) => env.ToDictionary(kv => kv.Key, kv => Open(kv.Value));
}
