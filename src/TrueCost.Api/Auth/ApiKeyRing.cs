using System.Security.Cryptography;
using System.Text;

namespace TrueCost.Api.Auth;

/// <summary>The configured keys, held as SHA-256 digests; a presented key is hashed and compared in constant time.</summary>
internal sealed class ApiKeyRing
{
    private readonly (ApiKey Key, byte[] Digest)[] _keys;

    public ApiKeyRing(ApiOptions options)
    {
        options.Validate();
        _keys = [.. options.Keys.Select(k => (k, Convert.FromHexString(k.KeyHash)))];
    }

    /// <summary>The key of this name, for a session signed in with it earlier; null once the key is removed from the configuration.</summary>
    public ApiKey? Named(string name) => _keys.Select(k => k.Key).FirstOrDefault(k => k.Name == name);

    public ApiKey? Find(string presented)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), digest);
        ApiKey? match = null;
        // Every key is compared, so the time taken does not reveal which key (if any) matched.
        foreach (var (key, expected) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, expected))
            {
                match = key;
            }
        }

        return match;
    }
}
