import socket
import sys

# The one change from the post: the port may be given as an argument (the book's tests
# use a free port of their own); without one it is the post's 12345.
port = int(sys.argv[1]) if len(sys.argv) > 1 else 12345

client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client_socket.connect(("localhost", port))
client_socket.sendall("Hello, server!".encode())
data = client_socket.recv(1024)
print("Received:", data.decode())
client_socket.close()
