using System.Text.Json;

namespace Fulfillment.Engine.Heartbeat;

/// <summary>
/// The file through which <c>fulfillment health</c>, a separate process, learns which engine instance
/// "this" one is: <c>run</c> writes its instance id there once registered and deletes it on a clean
/// stop. <c>health</c> then checks that instance's <c>engine_instances.heartbeat_at</c>.
/// </summary>
public static class HealthFile
{
    public sealed record Content(Guid InstanceId, string Host, int Pid, DateTimeOffset StartedAt);

    /// <summary>Writes atomically (a temporary file renamed over it), so a reader never sees half a file.</summary>
    public static void Write(string path, InstanceIdentity identity)
    {
        var directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var temporary = $"{path}.{Guid.NewGuid():N}.tmp"; // unique: several engines in one process (tests, the demo) may write at once
        File.WriteAllText(temporary, JsonSerializer.Serialize(new Content(identity.Id, identity.Host, Environment.ProcessId, identity.StartedAt)));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The content, or null when there is no file or it is not one this engine wrote.</summary>
    public static Content? TryRead(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<Content>(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Deletes the file if it still names <paramref name="instanceId"/>: a newer instance may have taken the path over.</summary>
    public static void DeleteIfOwnedBy(string path, Guid instanceId)
    {
        if (TryRead(path)?.InstanceId == instanceId)
        {
            File.Delete(path);
        }
    }
}
