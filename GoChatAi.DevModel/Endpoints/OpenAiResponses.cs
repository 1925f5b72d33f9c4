using System.Text.Json;
using GoChatAi.DevModel.Protocol;

namespace GoChatAi.DevModel.Endpoints;

/// <summary>Headers and error bodies every model endpoint answers with.</summary>
internal static class OpenAiResponses
{
    public const string SystemFingerprint = "fp_gochatai_stand_in";

    /// <summary>The headers a real provider sends, plus one that says plainly that this is the stand-in.</summary>
    public static void AddStandardHeaders(HttpResponse response)
    {
        response.Headers["x-request-id"] = "req_" + Guid.NewGuid().ToString("N");
        response.Headers["x-gochatai-stand-in"] = "true";
    }

    public static async Task WriteErrorAsync(HttpContext context, int status, OpenAiError error, CancellationToken cancellationToken)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(
            context.Response.Body, new OpenAiErrorBody(error), DevModelJsonContext.Wire.OpenAiErrorBody, cancellationToken);
    }
}
