using System.Text.Json;

namespace Harness.Core;

/// <summary>Small JSON state files in the cache, written atomically.</summary>
public static class JsonState
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public static T? Read<T>(string path) where T : class
    {
        if (!File.Exists(path))
            return null;
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Options);
        }
        catch (JsonException)
        {
            // A state file from an older harness or a torn write is only a cache
            // miss: the caller redoes the work and writes a fresh one.
            return null;
        }
    }

    public static void Write<T>(string path, T value) => AtomicText.Write(path, JsonSerializer.Serialize(value, Options));
}
