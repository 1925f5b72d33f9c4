namespace GoChatAi.ChatService.Application.Commands;

/// <summary>A search of the caller's conversations, checked: the text as typed, at most <see cref="Limit"/> hits after <see cref="Offset"/>.</summary>
public sealed record SearchQuery(string Text, int Limit, int Offset)
{
    public const int MaxTextLength = 256;
    public const int MaxLimit = 50;
    public const int MaxOffset = 1_000;
}
