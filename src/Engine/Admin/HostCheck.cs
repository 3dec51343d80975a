namespace Engine.Admin;

/// <summary>Refuses Host names the admin address does not answer to (DNS rebinding).</summary>
public static class HostCheck
{
    public static IResult? Refuse(HttpContext context, AdminAddress address) =>
        address.Allows(context.Request.Host) ? null
            : ApiError.Response(StatusCodes.Status421MisdirectedRequest,
                $"this admin API does not answer to host '{context.Request.Host}'; use its address or a loopback name "
                + "(more names: Engine:AdminHosts)");
}
