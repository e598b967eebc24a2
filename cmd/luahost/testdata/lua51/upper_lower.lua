print(("Hello World"):upper(), ("Hello World"):lower(), ("abc"):reverse(), ("abc"):len())
