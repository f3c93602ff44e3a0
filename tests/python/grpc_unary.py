"""A gRPC unary call from grpcio (h2c, prior knowledge) to an rt server.

Methods without serializers send and receive raw bytes, so no protoc is
needed. Prints the reply, the status and the trailing metadata; then a call
the server fails with NOT_FOUND.
"""
import sys

import grpc

port = sys.argv[1]
with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
    hello = channel.unary_unary("/rt.Greeter/Hello")
    reply, call = hello.with_call(b"grpc", timeout=10)
    metadata = dict(call.trailing_metadata())
    print(reply.decode(), call.code().name, metadata.get("x-served-by"))
    try:
        channel.unary_unary("/rt.Greeter/Fail")(b"x", timeout=10)
        print("no error")
    except grpc.RpcError as error:
        print(error.code().name, error.details())
