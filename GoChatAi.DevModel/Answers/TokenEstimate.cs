using GoChatAi.DevModel.Protocol;

namespace GoChatAi.DevModel.Answers;

/// <summary>
/// A rough token count for usage and the context window: about four characters a token, as for English with
/// OpenAI's tokenizers, plus a few tokens per message for the role markers.
/// </summary>
internal static class TokenEstimate
{
    private const int PerMessage = 4;
    private const int PerReply = 3;

    public static int ForPrompt(IEnumerable<RequestMessage> messages) =>
        PerReply + messages.Sum(message => PerMessage + ForText(message.Text()));

    public static int ForText(string text) => (text.Length + 3) / 4;
}
