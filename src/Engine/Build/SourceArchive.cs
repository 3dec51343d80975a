using System.Formats.Tar;
using System.Text;
using Engine.Protocol;

namespace Engine.Build;

public sealed class SourceArchiveException(string message) : Exception(message);

public sealed record SourceInfo(string? Procfile);

/// <summary>Checks an uploaded build context before Docker sees it.</summary>
public static class SourceArchive
{
    private const int MaxProcfileBytes = 64 * 1024;

    public static SourceInfo Inspect(Stream tar, ContextLimits? limits = null)
    {
        limits ??= ContextLimits.Default;
        var hasDockerfile = false;
        string? procfile = null;
        long bytes = 0;
        var files = 0;
        try
        {
            using var reader = new TarReader(tar, leaveOpen: true);
            while (reader.GetNextEntry() is { } entry)
            {
                var name = Normalize(entry.Name);
                switch (entry.EntryType)
                {
                    case TarEntryType.SymbolicLink:
                        CheckInside(entry.Name, CombineLink(name, entry.LinkName), $"symbolic link to '{entry.LinkName}'");
                        break;
                    case TarEntryType.HardLink:
                        CheckInside(entry.Name, Normalize(entry.LinkName), $"hard link to '{entry.LinkName}'");
                        break;
                    case TarEntryType.Directory or TarEntryType.RegularFile or TarEntryType.V7RegularFile
                        or TarEntryType.ContiguousFile or TarEntryType.GlobalExtendedAttributes
                        or TarEntryType.ExtendedAttributes:
                        break;
                    case TarEntryType.SparseFile:
                        throw new SourceArchiveException($"archive entry '{entry.Name}' is a sparse file; sparse files are not accepted in the build context");
                    default:
                        throw new SourceArchiveException($"archive entry '{entry.Name}' has unsupported type {entry.EntryType}");
                }
                if (name is null)
                    throw new SourceArchiveException($"archive entry '{entry.Name}' escapes the app directory");
                // Docker expands a sparse file to its real size, which the upload limit never saw (a few KB became 2 GB).
                if (entry is PaxTarEntry pax && pax.ExtendedAttributes.Keys.Any(k => k.StartsWith("GNU.sparse.", StringComparison.Ordinal))
                    || entry is PaxGlobalExtendedAttributesTarEntry global && global.GlobalExtendedAttributes.Keys.Any(k => k.StartsWith("GNU.sparse.", StringComparison.Ordinal)))
                    throw new SourceArchiveException($"archive entry '{entry.Name}' is a sparse file; sparse files are not accepted in the build context");
                if (++files > limits.MaxFiles)
                    throw new SourceArchiveException($"the build context has more than {limits.MaxFiles} entries (the file count limit)");
                bytes += entry.Length;
                if (bytes > limits.MaxBytes)
                    throw new SourceArchiveException($"the build context expands to more than {limits.MaxBytes} bytes (the expanded size limit)");
                if (name == "Procfile" && entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile))
                    throw new SourceArchiveException(entry.EntryType is TarEntryType.SymbolicLink or TarEntryType.HardLink
                        ? $"Procfile is a link (to '{entry.LinkName}'); it must be a regular file"
                        : $"Procfile is a {entry.EntryType}; it must be a regular file");
                if (name == "Dockerfile" && entry.EntryType != TarEntryType.Directory) hasDockerfile = true;
                if (name == "Procfile" && entry.DataStream is { } data)
                {
                    if (entry.Length > MaxProcfileBytes)
                        throw new SourceArchiveException($"Procfile is {entry.Length} bytes, over the {MaxProcfileBytes} byte limit");
                    using var text = new StreamReader(data, Encoding.UTF8, leaveOpen: true);
                    procfile = text.ReadToEnd();
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new SourceArchiveException($"the upload is not a valid tar archive: {e.Message}");
        }
        if (!hasDockerfile)
            throw new SourceArchiveException("no Dockerfile at the root of the app directory");
        return new SourceInfo(procfile);
    }

    private static void CheckInside(string entry, string? target, string what)
    {
        if (target is null)
            throw new SourceArchiveException($"archive entry '{entry}' is a {what}, which points outside the app directory");
    }

    /// <summary>The entry's path relative to the root, or null when it is absolute or climbs out.</summary>
    private static string? Normalize(string path)
    {
        if (path.StartsWith('/') || path.StartsWith('\\')) return null;
        var parts = new List<string>();
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                if (parts.Count == 0) return null;
                parts.RemoveAt(parts.Count - 1);
            }
            else parts.Add(part);
        }
        return string.Join('/', parts);
    }

    private static string? CombineLink(string? entry, string link)
    {
        if (entry is null || link.StartsWith('/')) return null;
        var dir = entry.Contains('/') ? entry[..entry.LastIndexOf('/')] : "";
        return Normalize(dir.Length == 0 ? link : $"{dir}/{link}");
    }
}
