namespace GoChatAi.DevModel.Protocol;

internal enum ToolChoiceMode
{
    None,
    Auto,
    Required,
    Function,
}

/// <summary>What <c>tool_choice</c> asks for, whichever of its forms it came in; <see cref="FunctionName"/> for a named function.</summary>
internal sealed record ToolChoice(ToolChoiceMode Mode, string? FunctionName = null)
{
    public static ToolChoice None { get; } = new(ToolChoiceMode.None);

    public static ToolChoice Auto { get; } = new(ToolChoiceMode.Auto);

    public static ToolChoice Required { get; } = new(ToolChoiceMode.Required);

    public static ToolChoice Function(string name) => new(ToolChoiceMode.Function, name);
}
