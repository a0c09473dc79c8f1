using System.Collections.Frozen;
using System.IO.Compression;
using System.Security.Cryptography;

namespace TrueCost.Api.Explorer;

/// <summary>
/// The explorer's script, style sheet and charting library, embedded in this assembly at build time (see the
/// project file) and served from memory: gzip-compressed once, with a content hash in every URL so browsers keep
/// them for a year.
/// </summary>
internal static class ExplorerAssets
{
    private static readonly FrozenDictionary<string, Asset> Assets = Load();

    /// <summary>The URL of an asset, versioned by its content.</summary>
    public static string Url(string name) => $"{ExplorerSession.PathPrefix}/assets/{name}?v={Assets[name].Version}";

    public static IResult Serve(string name, HttpContext context)
    {
        if (!Assets.TryGetValue(name, out var asset))
        {
            return Results.NotFound();
        }

        var headers = context.Response.Headers;
        headers.CacheControl = context.Request.Query["v"] == asset.Version ? "public, max-age=31536000, immutable" : "no-cache";
        headers.ETag = $"\"{asset.Version}\"";
        headers.Vary = "Accept-Encoding";
        if (context.Request.Headers.IfNoneMatch == headers.ETag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        if (context.Request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase))
        {
            headers.ContentEncoding = "gzip";
            return Results.Bytes(asset.Gzip, asset.ContentType);
        }

        return Results.Bytes(asset.Content, asset.ContentType);
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(ExplorerAssets).Assembly;
        const string prefix = "explorer/";
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            .ToFrozenDictionary(n => n[prefix.Length..], n =>
            {
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                var content = copy.ToArray();
                using var packed = new MemoryStream();
                using (var gzip = new GZipStream(packed, CompressionLevel.SmallestSize))
                {
                    gzip.Write(content);
                }

                var type = n.EndsWith(".css", StringComparison.Ordinal) ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
                return new Asset(content, packed.ToArray(), type, Convert.ToHexStringLower(SHA256.HashData(content))[..16]);
            });
    }

    private sealed record Asset(byte[] Content, byte[] Gzip, string ContentType, string Version);
}
