using GoChatAi.DevModel.Answers;
using GoChatAi.DevModel.Faults;

namespace GoChatAi.DevModel.Endpoints;

/// <summary>Everything decided about one answer before its first byte is written.</summary>
internal sealed record CompletionPlan(
    string Id,
    long Created,
    string Model,
    StandInAnswer Answer,
    int PromptTokens,
    bool IncludeUsage,
    FaultDirective Faults);
