using Akka.Actor;
using Engine.Protocol;

namespace Engine.Deployments;

/// <summary>One waiting request's ear on the event stream: wakes it when its deployment changes, then stops. The
/// request stops it on its deadline or when the client goes, so no subscriber outlives its request.</summary>
public static class DeploymentChangeWaiter
{
    /// <summary>Subscribed to this node's event stream before it returns; the caller subscribes it on the node that runs
    /// the deployment (WatchDeployment) before it reads the state, so a change in between still wakes it.</summary>
    public static Subscription Subscribe(ActorSystem system, string deploymentId)
    {
        var woken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // A top-level actor on purpose: it belongs to the request, which stops it (Subscription.Dispose).
        var waiter = system.ActorOf(Props.Create(() => new Waiter(deploymentId, woken)));
        system.EventStream.Subscribe(waiter, typeof(DeploymentChanged));
        return new Subscription(system, waiter, woken.Task);
    }

    private sealed class Waiter : ReceiveActor
    {
        private readonly TaskCompletionSource _woken;

        public Waiter(string deploymentId, TaskCompletionSource woken)
        {
            _woken = woken;
            Receive<DeploymentChanged>(c => c.DeploymentId == deploymentId, _ => Context.Stop(Self));
            Receive<DeploymentChanged>(_ => { }); // another deployment's
        }

        protected override void PostStop()
        {
            Context.System.EventStream.Unsubscribe(Self);
            _woken.TrySetResult();
        }
    }

    /// <summary><see cref="Woken"/> completes on a change of the deployment or once the waiter is stopped.</summary>
    public sealed class Subscription(ActorSystem system, IActorRef waiter, Task woken) : IDisposable
    {
        public IActorRef Waiter { get; } = waiter;
        public Task Woken { get; } = woken;

        public void Dispose() => system.Stop(Waiter);
    }
}
