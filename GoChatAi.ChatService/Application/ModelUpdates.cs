using Microsoft.Extensions.AI;

namespace GoChatAi.ChatService.Application;

/// <summary>What the service does with a model's streamed updates once it has taken what it needs from them.</summary>
public static class ModelUpdates
{
    /// <summary>
    /// Lets go of the provider's own chunk (the update's and its contents' raw representation). The telemetry client
    /// under the service keeps every update of an answer until it ends; the SDK's chunks, read by nobody once their
    /// text is taken, would be most of what a long answer's stream holds.
    /// </summary>
    public static void DropProviderChunk(this ChatResponseUpdate update)
    {
        update.RawRepresentation = null;
        foreach (var content in update.Contents)
        {
            content.RawRepresentation = null;
        }
    }
}
