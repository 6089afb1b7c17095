import socket
import sys

# The one change from the post: the port may be given as an argument (the book's tests
# use a free port of their own); without one it is the post's 12345.
port = int(sys.argv[1]) if len(sys.argv) > 1 else 12345

server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server_socket.bind(("localhost", port))
server_socket.listen(5)

while True:
    client_socket, addr = server_socket.accept()
    print("Connected by", addr)
    while True:
        data = client_socket.recv(1024)
        if not data:
            break
        print("Received:", data.decode())
        client_socket.sendall(data)
    client_socket.close()
