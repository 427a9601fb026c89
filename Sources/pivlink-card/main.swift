print("pivlink-card: under construction")
