using Engine.Protocol;


namespace Engine.Deployments;

/// <summary>The answers of the workers a release starts on, gathered into one: the deployment goes on once all are up
/// (and fails at the first that is not).</summary>
public sealed class ContainerStarts
{
    private int _pending;
    private readonly List<ContainerSpec> _up = [];
    private readonly Dictionary<string, string> _ids = [];

    public void Expect(int workers)
    {
        _pending = workers;
        _up.Clear();
        _ids.Clear();
    }

    public bool Waiting => _pending > 0;

    /// <summary>Every worker's containers and ids as one, once the last one answered; null before.</summary>
    public ContainersUp? Add(ContainersUp up)
    {
        _pending--;
        _up.AddRange(up.Containers);
        foreach (var (slot, id) in up.Ids ?? new Dictionary<string, string>()) _ids[slot] = id;
        return _pending == 0 ? new ContainersUp([.. _up], new Dictionary<string, string>(_ids)) : null;
    }
}
