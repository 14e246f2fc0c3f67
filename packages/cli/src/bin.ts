console.log("enrich: not implemented yet")
