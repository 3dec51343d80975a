using Akka.Actor;
using Akka.Persistence;
using Engine.Protocol;

namespace Engine.Audit;

/// <summary>Journal this (-> the OperatorCommandRun once written | AppError).</summary>
public sealed record RecordOperatorCommand(string Command, string? Target, string By);

/// <summary>One per node (persistence id `operator-NODE`, the node's name kept in its data directory): cluster commands
/// must be journaled even when no control node is up, so this writes straight to the journal, with one writer per id.</summary>
public sealed class OperatorLogActor : ReceivePersistentActor
{
    public const string Name = "operator-log";
    private readonly string _node;

    public static Props Props(string node) => Akka.Actor.Props.Create(() => new OperatorLogActor(node));

    public override string PersistenceId => $"operator-{_node}";

    public OperatorLogActor(string node)
    {
        _node = node;
        Recover<OperatorCommandRun>(_ => { });
        Command<RecordOperatorCommand>(r =>
        {
            var sender = Sender;
            Persist(new OperatorCommandRun(r.Command, r.Target, r.By, ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString(),
                DateTimeOffset.UtcNow), e => sender.Tell(e));
        });
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        Sender.Tell(AppError.JournalUnwritable(cause));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        Sender.Tell(AppError.JournalUnwritable(cause));
        base.OnPersistRejected(cause, @event, sequenceNr);
    }
}
