using System.Net;
using System.Net.Sockets;

namespace Harness.Vm;

/// <summary>
/// Picks free TCP ports on 127.0.0.1 for SSH forwarding. A port is free when
/// picked but may be taken before QEMU binds it; the caller retries with another
/// port when QEMU reports the clash.
/// </summary>
internal static class TcpPorts
{
    private static readonly object Gate = new();

    /// <summary>Ports handed out by this process recently, so that VMs started together never get the same one.</summary>
    private static readonly Queue<int> Recent = new();

    public static int PickFreeLoopbackPort()
    {
        lock (Gate)
        {
            for (var attempt = 0; attempt < 32; attempt++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (Recent.Contains(port))
                    continue;

                Recent.Enqueue(port);
                if (Recent.Count > 64)
                    Recent.Dequeue();
                return port;
            }
        }
        throw new InvalidOperationException("The kernel returned only recently used ports for 32 binds to 127.0.0.1:0.");
    }
}
