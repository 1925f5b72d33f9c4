using GoChatAi.ChatService.Domain;
using Microsoft.Extensions.Options;

namespace GoChatAi.ChatService.Application;

/// <summary>The models this deployment allows, the default one first.</summary>
public sealed class ModelCatalog
{
    private readonly Dictionary<string, ChatModel> _byId;

    public ModelCatalog(IOptions<ModelOptions> options)
    {
        var settings = options.Value;
        var defaultId = settings.DefaultModel ?? settings.Models[0].Id;
        Models = settings.Models
            .Select(m => new ChatModel(m.Id, m.DisplayName ?? m.Id, m.ContextWindow, m.MaxOutputTokens, m.Id == defaultId))
            .OrderByDescending(m => m.IsDefault)
            .ToList();
        _byId = Models.ToDictionary(m => m.Id, StringComparer.Ordinal);
        Default = _byId[defaultId];
    }

    public IReadOnlyList<ChatModel> Models { get; }

    public ChatModel Default { get; }

    public ChatModel? Find(string id) => _byId.GetValueOrDefault(id);
}
