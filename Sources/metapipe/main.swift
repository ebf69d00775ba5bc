print("metapipe")
