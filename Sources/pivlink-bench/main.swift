print("pivlink-bench: under construction")
