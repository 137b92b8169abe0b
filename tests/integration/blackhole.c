/*
 * blackhole.c - a TCP port on 127.0.0.1 where connects hang: it listens
 * with a full accept queue and never accepts, so the kernel drops further
 * SYNs, as a host that has gone away would. Prints the port, then sleeps
 * until killed.   usage: blackhole
 */
#define _GNU_SOURCE /* SOCK_NONBLOCK */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int
main(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(l, 0) != 0 || getsockname(l, (struct sockaddr *)&a, &len))
		return 1;
	/*
	 * Fill the queue (backlog 0 still admits one) so later SYNs drop;
	 * non-blocking, since the last of these connects hangs itself.
	 */
	for (int i = 0; i < 3; i++) {
		int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

		if (c < 0)
			return 1;
		(void)connect(c, (struct sockaddr *)&a, sizeof(a));
		usleep(100000);
	}
	printf("%d\n", ntohs(a.sin_port));
	fflush(stdout);
	for (;;)
		pause();
}
