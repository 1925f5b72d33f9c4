namespace GoChatAi.DevModel.Protocol;

internal sealed record ModelList(string Object, IReadOnlyList<ModelInfo> Data);

internal sealed record ModelInfo(string Id, string Object, long Created, string OwnedBy);
