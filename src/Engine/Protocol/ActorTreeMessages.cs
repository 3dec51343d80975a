
namespace Engine.Protocol;

/// <summary>One live actor: its path, its name and how far below the start it is.</summary>
public sealed record ActorNode(string Path, string Name, int Depth);

/// <summary>`engine actor hierarchy` for another node (-> ActorTreeView | AppError).</summary>
[Manifest("get-actor-tree.v1")]
public sealed record GetActorTree(string Path, int Depth) : IEngineMessage;

[Manifest("actor-tree-view.v1")]
public sealed record ActorTreeView(string Node, IReadOnlyList<ActorNode> Actors) : IEngineMessage;
