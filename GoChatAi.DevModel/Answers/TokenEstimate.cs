using GoChatAi.DevModel.Protocol;

namespace GoChatAi.DevModel.Answers;

/// <summary>
/// A rough token count for usage and the context window: about four characters a token, as for English with
/// OpenAI's tokenizers, plus a few tokens per message for the role markers. Tool calls sent back and the tools
/// offered count as their text, as they do for a real model.
/// </summary>
internal static class TokenEstimate
{
    private const int PerMessage = 4;
    private const int PerReply = 3;

    public static int ForPrompt(IEnumerable<RequestMessage> messages, IEnumerable<ToolDefinition>? tools = null) =>
        PerReply + messages.Sum(ForMessage) + (tools?.Sum(ForTool) ?? 0);

    public static int ForText(string text) => (text.Length + 3) / 4;

    private static int ForMessage(RequestMessage message) =>
        PerMessage + ForText(message.Text())
        + (message.ToolCalls?.Sum(call => ForText(call.Function?.Name ?? "") + ForText(call.Function?.Arguments ?? "")) ?? 0);

    private static int ForTool(ToolDefinition tool) =>
        ForText(tool.Function?.Name ?? "") + ForText(tool.Function?.Description ?? "") + ForText(tool.Function?.Parameters?.GetRawText() ?? "");
}
